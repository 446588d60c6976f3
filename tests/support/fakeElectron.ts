import { EventEmitter } from 'node:events';

/**
 * The Electron seam for tests: the Electron binary cannot be installed here, so `electron` resolves
 * to this fake (vitest alias). It records what main asks of Electron, and lets a test play the
 * renderer by emitting IPC as a given webContents.
 */
export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null;

  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
    this.emit(`ipc-reply:${channel}`, ...args);
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.windowOpenHandler = handler;
  }

  isDestroyed(): boolean {
    return false;
  }
}

export class BrowserWindow extends EventEmitter {
  static readonly all: BrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  readonly options: Record<string, unknown>;
  loadedUrl: string | null = null;
  shown = false;
  focused = false;
  destroyed = false;

  constructor(options: Record<string, unknown>) {
    super();
    this.options = options;
    BrowserWindow.all.push(this);
  }

  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    this.emit('ready-to-show');
    return Promise.resolve();
  }

  show(): void {
    this.shown = true;
  }

  focus(): void {
    this.focused = true;
  }

  isMinimized(): boolean {
    return false;
  }

  restore(): void {}

  close(): void {
    this.destroyed = true;
    this.emit('closed');
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }
}

class FakeIpcMain extends EventEmitter {
  /** Delivers a message as if `sender`'s page had sent it through ipcRenderer.send. */
  sendFrom(sender: FakeWebContents, channel: string, ...args: unknown[]): void {
    this.emit(channel, { sender }, ...structuredClone(args));
  }
}

export const ipcMain = new FakeIpcMain();

type ProtocolHandler = (request: Request) => Response | Promise<Response>;

export const protocol = {
  privileged: [] as unknown[],
  handlers: new Map<string, ProtocolHandler>(),
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    this.privileged.push(...schemes);
  },
  handle(scheme: string, handler: ProtocolHandler): void {
    this.handlers.set(scheme, handler);
  },
};

const permissionHandlers: Array<(...args: unknown[]) => void> = [];

export const session = {
  defaultSession: {
    permissionRequestHandler: null as null | ((wc: unknown, permission: string, callback: (granted: boolean) => void) => void),
    setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void): void {
      this.permissionRequestHandler = handler;
      permissionHandlers.push(handler as (...args: unknown[]) => void);
    },
    permissionCheckHandler: null as null | ((...args: unknown[]) => boolean),
    setPermissionCheckHandler(handler: (...args: unknown[]) => boolean): void {
      this.permissionCheckHandler = handler;
    },
  },
};

export class FakeApp extends EventEmitter {
  quitCalls = 0;
  isPackaged = false;
  locale = 'en-US';
  readyPromise = Promise.resolve();
  getAppPath(): string {
    return process.cwd();
  }
  getLocale(): string {
    return this.locale;
  }
  whenReady(): Promise<void> {
    return this.readyPromise;
  }
  requestSingleInstanceLock(): boolean {
    return true;
  }
  quit(): void {
    this.quitCalls++;
    this.emit('before-quit');
    this.emit('will-quit');
  }
  /** Electron's rule when the last window closes: `window-all-closed`, and quit if nobody handles it. */
  lastWindowClosed(): void {
    if (!this.emit('window-all-closed')) this.quit();
  }
  /** macOS: the dock icon was clicked. */
  activate(hasVisibleWindows: boolean): void {
    this.emit('activate', {}, hasVisibleWindows);
  }
}

export const app = new FakeApp();

/** An image as main loaded it: the path it came from, and whether it is a macOS template image. */
export class FakeNativeImage {
  readonly path: string;
  template = false;
  constructor(path: string) {
    this.path = path;
  }
  setTemplateImage(template: boolean): void {
    this.template = template;
  }
  isTemplateImage(): boolean {
    return this.template;
  }
}

export const nativeImage = {
  createFromPath: (path: string) => new FakeNativeImage(path),
};

export interface FakeMenuItem {
  readonly id?: string;
  readonly label?: string;
  readonly type?: string;
  readonly enabled?: boolean;
  readonly click?: () => void;
}

export class Menu {
  readonly items: FakeMenuItem[];
  constructor(items: FakeMenuItem[]) {
    this.items = items;
  }
  static buildFromTemplate(template: FakeMenuItem[]): Menu {
    return new Menu(template);
  }
}

/** Records every call main makes on its tray, in order. */
export class Tray {
  static readonly all: Tray[] = [];
  image: FakeNativeImage;
  tooltip = '';
  contextMenu: Menu | null = null;
  destroyed = false;
  readonly calls: string[] = [];
  constructor(image: FakeNativeImage) {
    this.image = image;
    Tray.all.push(this);
  }
  setImage(image: FakeNativeImage): void {
    this.calls.push('setImage');
    this.image = image;
  }
  setToolTip(text: string): void {
    this.calls.push('setToolTip');
    this.tooltip = text;
  }
  setContextMenu(menu: Menu | null): void {
    this.calls.push('setContextMenu');
    this.contextMenu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export const nativeTheme = { shouldUseDarkColors: false, themeSource: 'system' };

export const shell = {
  opened: [] as string[],
  openExternal(url: string): Promise<void> {
    this.opened.push(url);
    return Promise.resolve();
  },
};

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown): void {
    this.exposed.set(key, api);
  },
};

export const ipcRenderer = new EventEmitter();

export default { app, BrowserWindow, ipcMain, protocol, session, nativeTheme, shell, contextBridge, ipcRenderer, Tray, Menu, nativeImage };
