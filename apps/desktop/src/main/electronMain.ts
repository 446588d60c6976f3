import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { app, Menu, nativeImage, Tray } from 'electron';
import { defaultSocketPath, SYSTEM_SOCKET_PATH } from '../../../../shared/protocol/src/node/socketPath.ts';
import { createDesktopApp } from './desktopApp.ts';
import { electronNotificationBackend } from './notifications/electronNotificationBackend.ts';
import { createToaster } from './notifications/toaster.ts';
import { createElectronHost, registerAppScheme } from './hosts/electronHost.ts';
import { TrayService } from './tray/TrayService.ts';
import { runInTray } from './tray/trayLifecycle.ts';

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
    homedir: homedir(),
  });
  const distDir = join(app.getAppPath(), 'dist');
  const desktop = createDesktopApp({
    socketPath,
    version: app.getVersion(),
    locale: app.getLocale(),
    toaster: createToaster({ backend: electronNotificationBackend }),
    onQuit: () => app.quit(),
  });
  const host = createElectronHost({
    rendererDir: join(distDir, 'renderer'),
    preloadDir: join(distDir, 'preload'),
    dispatcherFor: (id, presence) => desktop.dispatcherFor(id, presence),
    onRefusedIpc: (channel, id) => process.stderr.write(`refused IPC on ${channel} from webContents ${id}\n`),
    onClosedByUser: (id) => desktop.windowClosedByUser(id),
  });
  desktop.attach(host);
  const tray = new TrayService({
    electron: { Tray, Menu, nativeImage },
    iconDir: app.isPackaged ? join(process.resourcesPath, 'icons/tray') : join(app.getAppPath(), 'resources/icons/tray'),
    platform: process.platform,
    translate: desktop.tray.translate,
    onActivate: (id) => void desktop.tray.activate(id),
  });
  const openAgentWindow = () => host.open('keeper-agent', { locale: app.getLocale() });
  // An embedded agent is the launcher's child: it stops it when this process exits (start.ts).
  runInTray({ app, tray, view$: desktop.tray.view$, reopen: () => void openAgentWindow(), stop: () => desktop.stop() });
  await openAgentWindow();
  app.on('second-instance', () => void openAgentWindow());
}
