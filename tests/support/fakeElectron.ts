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

class FakeApp extends EventEmitter {
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
    this.emit('will-quit');
  }
}

export const app = new FakeApp();

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

export default { app, BrowserWindow, ipcMain, protocol, session, nativeTheme, shell, contextBridge, ipcRenderer };
