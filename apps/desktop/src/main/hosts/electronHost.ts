import { join } from 'node:path';
import { BrowserWindow, ipcMain, protocol, session } from 'electron';
import { BehaviorSubject } from 'rxjs';
import { registerElectronService } from '../../../../../shared/bridge/src/main/electronBridge.ts';
import type { ServiceDispatcher } from '../../../../../shared/bridge/src/main/serviceDispatcher.ts';
import { WINDOW_SERVICES, type WindowId } from '../../../../../shared/bridge/src/common/windows.ts';
import type { ServiceDescriptor } from '../../../../../shared/bridge/src/common/serviceDescriptor.ts';
import { SECURITY_HEADERS } from '../security/contentSecurityPolicy.ts';
import { launchQuery, WINDOW_CATALOG, type WindowLaunchOptions } from '../windows/catalog.ts';
import { loadRendererAsset } from './rendererAssets.ts';
import type { Presence, WindowHost } from './windowHost.ts';

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
  /** The services of one loaded page of window `id`; `presence` says whether it is the presented one. */
  readonly dispatcherFor: (id: WindowId, presence: Presence) => ServiceDispatcher;
  readonly onRefusedIpc?: (channel: string, webContentsId: number) => void;
  /** The user closed a window (not `close()` from main): for a prompt window that means cancel. */
  readonly onClosedByUser?: (id: WindowId) => void;
}

/** One BrowserWindow of an app window: presented, or a hidden pre-warmed spare. */
interface Page {
  readonly window: BrowserWindow;
  readonly url: string;
  readonly presence: BehaviorSubject<boolean>;
  /** Loaded and painted (`ready-to-show`), so presenting it shows a finished window at once. */
  ready: boolean;
}

/**
 * The Electron host: one sandboxed, context-isolated BrowserWindow per app window with its own
 * preload. A window's webContents may reach only the services granted to that window; navigation,
 * new windows, webviews and permission requests are all refused.
 *
 * Pre-warming: `prewarm(id)` keeps a hidden BrowserWindow (`show: false`) of a window loaded, its
 * bridge connected and React mounted, but not presented, so its prompt service shows it nothing.
 * `open(id)` then only presents and shows it, and starts the next spare. A spare is presented at
 * most once and closed with its prompt; it is never reused.
 */
export function createElectronHost(options: ElectronHostOptions): WindowHost {
  const presented = new Map<WindowId, Page>();
  const spares = new Map<WindowId, Page>();
  /** Windows main itself is closing, so their `closed` is not the user's doing. */
  const closedByHost = new WeakSet<BrowserWindow>();
  /** The dispatcher of each live webContents: its grant. */
  const dispatchers = new Map<number, ServiceDispatcher>();
  const unregister: Array<() => void> = [];

  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const asset = url.host === 'renderer' ? await loadRendererAsset(options.rendererDir, url.pathname) : null;
    if (!asset) return new Response('not found', { status: 404, headers: SECURITY_HEADERS });
    return new Response(new Uint8Array(asset.body), { headers: { ...SECURITY_HEADERS, 'content-type': asset.contentType } });
  });
  session.defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  const channels = new Map((Object.values(WINDOW_SERVICES) as ReadonlyArray<readonly ServiceDescriptor[]>).flat().map((d) => [d.channel, d]));
  for (const descriptor of channels.values()) {
    unregister.push(registerElectronService(ipcMain, descriptor, (webContentsId) => dispatchers.get(webContentsId), options.onRefusedIpc ?? (() => {})));
  }

  const show = (page: Page) => {
    if (page.window.isMinimized()) page.window.restore();
    page.window.show();
    page.window.focus();
  };

  /** Creates and loads a BrowserWindow for `id`; presented at once, or kept hidden as a spare. */
  const load = (id: WindowId, url: string, presentNow: boolean): { page: Page; loaded: Promise<void> } => {
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
        // A hidden spare must finish loading and rendering as a visible window would.
        backgroundThrottling: false,
      },
    });
    const page: Page = { window, url, presence: new BehaviorSubject(presentNow), ready: false };
    const contentsId = window.webContents.id;
    dispatchers.set(contentsId, options.dispatcherFor(id, page.presence));
    (presentNow ? presented : spares).set(id, page);

    window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    window.webContents.on('will-navigate', (event) => event.preventDefault());
    window.webContents.on('will-attach-webview', (event) => event.preventDefault());
    window.once('ready-to-show', () => {
      page.ready = true;
      if (page.presence.value) show(page);
    });
    window.on('closed', () => {
      dispatchers.delete(contentsId);
      const wasPresented = page.presence.value;
      page.presence.next(false);
      page.presence.complete();
      if (presented.get(id) === page) presented.delete(id);
      if (spares.get(id) === page) spares.delete(id);
      if (wasPresented && !closedByHost.has(window)) options.onClosedByUser?.(id);
    });
    return { page, loaded: window.loadURL(url) };
  };

  const prewarm = (id: WindowId) => {
    if (spares.has(id)) return;
    const { page, loaded } = load(id, `${APP_ORIGIN}/${id}/`, false);
    // A spare that fails to load is dropped; the next open() loads the window afresh.
    loaded.catch(() => {
      closedByHost.add(page.window);
      page.window.close();
    });
  };

  return {
    kind: 'electron',
    async open(id: WindowId, launch: WindowLaunchOptions = {}) {
      const url = `${APP_ORIGIN}/${id}/${launchQuery(launch)}`;
      const existing = presented.get(id);
      if (existing && !existing.window.isDestroyed()) {
        show(existing);
        return existing.url;
      }
      const spare = spares.get(id);
      if (spare && spare.url === url && !spare.window.isDestroyed()) {
        spares.delete(id);
        presented.set(id, spare);
        spare.presence.next(true);
        if (spare.ready) show(spare);
        prewarm(id);
        return url;
      }
      await load(id, url, true).loaded;
      return url;
    },
    prewarm,
    close(id: WindowId) {
      const page = presented.get(id);
      if (!page) return;
      closedByHost.add(page.window);
      page.window.close();
    },
    dispose() {
      for (const page of [...presented.values(), ...spares.values()]) {
        closedByHost.add(page.window);
        if (!page.window.isDestroyed()) page.window.close();
      }
      for (const dispose of unregister) dispose();
      return Promise.resolve();
    },
  };
}
