import type { Observable } from 'rxjs';
import type { WindowId } from '../../../../../shared/bridge/src/common/windows.ts';
import type { WindowLaunchOptions } from '../windows/catalog.ts';

/**
 * Whether one loaded page of a window is the one presented to the user. A pre-warmed spare is
 * loaded, connected and rendered but not presented: its services show it nothing until it is, and
 * once it stops being presented (closed) it never is again.
 */
export type Presence = Observable<boolean> & { readonly value: boolean };

/**
 * Where windows live. The Electron host makes BrowserWindows; the web shell serves the same pages
 * to a browser. The composition root only ever talks to this interface.
 */
export interface WindowHost {
  readonly kind: 'electron' | 'web-shell';
  /**
   * Presents a window: focuses the one already presented, else presents a ready spare of it (and
   * makes the next spare), else loads it afresh. Returns where it lives, a URL for the web shell.
   */
  open(id: WindowId, options?: WindowLaunchOptions): Promise<string>;
  /**
   * Keeps one spare of window `id` loaded and hidden, so that `open` only has to present it
   * (Electron: a hidden BrowserWindow; web shell: a page a browser loaded ahead, if enabled).
   */
  prewarm(id: WindowId): void;
  /** Closes the presented window `id`; its spare stays. */
  close(id: WindowId): void;
  dispose(): Promise<void>;
}
