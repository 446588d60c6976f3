import { join } from 'node:path';
import { BrowserWindow, ipcMain, protocol, session } from 'electron';
import { registerElectronService } from '../../../../../shared/bridge/src/main/electronBridge.ts';
import type { ServiceDispatcher } from '../../../../../shared/bridge/src/main/serviceDispatcher.ts';
import { WINDOW_SERVICES, type WindowId } from '../../../../../shared/bridge/src/common/windows.ts';
import { SECURITY_HEADERS } from '../security/contentSecurityPolicy.ts';
import { launchQuery, WINDOW_CATALOG, type WindowLaunchOptions } from '../windows/catalog.ts';
import { loadRendererAsset } from './rendererAssets.ts';
import type { WindowHost } from './windowHost.ts';

/** Pages load from this scheme, never file://, so the CSP and path checks of rendererAssets apply. */
export const APP_SCHEME = 'keeper-app';
const APP_ORIGIN = `${APP_SCHEME}://renderer`;

/** Must run before the app is ready (Electron's rule for privileged schemes). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
}

export interface ElectronHostOptions {
  readonly rendererDir: string;
  readonly preloadDir: string;
  readonly dispatcherFor: (id: WindowId) => ServiceDispatcher;
  readonly onRefusedIpc?: (channel: string, webContentsId: number) => void;
  /** The user closed a window (not `close()` from main): for a prompt window that means cancel. */
  readonly onClosedByUser?: (id: WindowId) => void;
}

/**
 * The Electron host: one sandboxed, context-isolated BrowserWindow per app window with its own
 * preload. A window's webContents may reach only the services granted to that window; navigation,
 * new windows, webviews and permission requests are all refused.
 */
export function createElectronHost(options: ElectronHostOptions): WindowHost {
  const windows = new Map<WindowId, BrowserWindow>();
  /** Windows main itself is closing, so their `closed` is not the user's doing. */
  const closedByHost = new WeakSet<BrowserWindow>();
  const grants = new Map<string, Set<number>>();
  const unregister: Array<() => void> = [];

  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const asset = url.host === 'renderer' ? await loadRendererAsset(options.rendererDir, url.pathname) : null;
    if (!asset) return new Response('not found', { status: 404, headers: SECURITY_HEADERS });
    return new Response(new Uint8Array(asset.body), { headers: { ...SECURITY_HEADERS, 'content-type': asset.contentType } });
  });
  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  for (const id of Object.keys(WINDOW_SERVICES) as WindowId[]) {
    for (const descriptor of WINDOW_SERVICES[id]) {
      if (grants.has(descriptor.channel)) continue;
      const allowed = new Set<number>();
      grants.set(descriptor.channel, allowed);
      unregister.push(
        registerElectronService(
          ipcMain,
          descriptor,
          options.dispatcherFor(id),
          (webContentsId) => allowed.has(webContentsId),
          options.onRefusedIpc ?? (() => {}),
        ),
      );
    }
  }

  return {
    kind: 'electron',
    async open(id: WindowId, launch: WindowLaunchOptions = {}) {
      const url = `${APP_ORIGIN}/${id}/${launchQuery(launch)}`;
      const existing = windows.get(id);
      if (existing && !existing.isDestroyed()) {
        if (existing.isMinimized()) existing.restore();
        existing.focus();
        return url;
      }
      const definition = WINDOW_CATALOG[id];
      const window = new BrowserWindow({
        title: definition.title,
        width: definition.width,
        height: definition.height,
        resizable: definition.resizable,
        show: false,
        autoHideMenuBar: true,
        webPreferences: {
          preload: join(options.preloadDir, `${id}.cjs`),
          sandbox: true,
          contextIsolation: true,
          nodeIntegration: false,
          nodeIntegrationInWorker: false,
          nodeIntegrationInSubFrames: false,
          webSecurity: true,
          allowRunningInsecureContent: false,
          webviewTag: false,
          experimentalFeatures: false,
          navigateOnDragDrop: false,
          spellcheck: false,
          safeDialogs: true,
        },
      });
      const contentsId = window.webContents.id;
      const granted = WINDOW_SERVICES[id].map((d) => grants.get(d.channel));
      for (const set of granted) set?.add(contentsId);
      windows.set(id, window);

      window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
      window.webContents.on('will-navigate', (event) => event.preventDefault());
      window.webContents.on('will-attach-webview', (event) => event.preventDefault());
      window.once('ready-to-show', () => window.show());
      window.on('closed', () => {
        for (const set of granted) set?.delete(contentsId);
        if (windows.get(id) === window) windows.delete(id);
        if (!closedByHost.has(window)) options.onClosedByUser?.(id);
      });
      await window.loadURL(url);
      return url;
    },
    close(id: WindowId) {
      const window = windows.get(id);
      if (!window) return;
      closedByHost.add(window);
      window.close();
    },
    dispose() {
      for (const window of windows.values()) {
        closedByHost.add(window);
        if (!window.isDestroyed()) window.close();
      }
      for (const dispose of unregister) dispose();
      return Promise.resolve();
    },
  };
}
