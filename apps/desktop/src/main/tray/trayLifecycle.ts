import type { Observable } from 'rxjs';
import type { TrayView } from '../../../../../shared/bridge/src/common/services/tray.ts';

/** The part of Electron's `app` the tray's lifecycle uses (the fake's in tests). */
export interface LifecycleApp {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface TrayLifecycleOptions {
  readonly app: LifecycleApp;
  readonly tray: { render(view: TrayView): void; destroy(): void };
  readonly view$: Observable<TrayView>;
  /** Shows the suite's main window again (macOS: the dock icon was clicked with no window open). */
  readonly reopen: () => void;
  /** Stops the desktop (agent link, windows) once the app is quitting. */
  readonly stop: () => Promise<void>;
}

/**
 * Keeps the suite alive in its tray. Electron quits when the last window closes unless the app
 * handles `window-all-closed`; a tray app must not (Linux and Windows tray apps keep running, macOS
 * apps stay in the dock), so only the tray's "Quit Keeper" or the OS ends the suite.
 */
export function runInTray(options: TrayLifecycleOptions): void {
  const updates = options.view$.subscribe((view) => options.tray.render(view));
  options.app.on('window-all-closed', stayInTray);
  options.app.on('activate', (_event, hasVisibleWindows) => {
    if (hasVisibleWindows === false) options.reopen();
  });
  options.app.on('will-quit', () => {
    updates.unsubscribe();
    options.tray.destroy();
    void options.stop();
  });
}

/** Handling the event is what keeps Electron from quitting; the tray stays, nothing else to do. */
function stayInTray(): void {}
