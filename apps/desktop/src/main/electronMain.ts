import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { app } from 'electron';
import { defaultSocketPath, SYSTEM_SOCKET_PATH } from '../../../../shared/protocol/src/node/socketPath.ts';
import { createDesktopApp } from './desktopApp.ts';
import { createElectronHost, registerAppScheme } from './hosts/electronHost.ts';

/** Entry point when the Electron runtime exists; bundled to dist/main/index.js. */
registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  await app.whenReady();
  const socketPath = defaultSocketPath({
    platform: process.platform,
    env: process.env,
    systemSocketExists: existsSync(SYSTEM_SOCKET_PATH),
    tmpdir: tmpdir(),
    uid: process.getuid?.() ?? null,
  });
  const distDir = join(app.getAppPath(), 'dist');
  const desktop = createDesktopApp({ socketPath, version: app.getVersion() });
  const host = createElectronHost({
    rendererDir: join(distDir, 'renderer'),
    preloadDir: join(distDir, 'preload'),
    dispatcherFor: (id) => desktop.dispatcherFor(id),
    onRefusedIpc: (channel, id) => process.stderr.write(`refused IPC on ${channel} from webContents ${id}\n`),
    onClosedByUser: (id) => desktop.windowClosedByUser(id),
  });
  desktop.attach(host);
  const openAgentWindow = () => host.open('keeper-agent', { locale: app.getLocale() });
  await openAgentWindow();
  app.on('second-instance', () => void openAgentWindow());
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => void desktop.stop());
}
