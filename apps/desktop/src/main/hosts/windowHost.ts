import type { WindowId } from '../../../../../shared/bridge/src/common/windows.ts';
import type { WindowLaunchOptions } from '../windows/catalog.ts';

/**
 * Where windows live. The Electron host makes BrowserWindows; the web shell serves the same pages
 * to a browser. The composition root only ever talks to this interface.
 */
export interface WindowHost {
  readonly kind: 'electron' | 'web-shell';
  /** Opens (or focuses) a window; returns where it lives, a URL for the web shell. */
  open(id: WindowId, options?: WindowLaunchOptions): Promise<string>;
  close(id: WindowId): void;
  dispose(): Promise<void>;
}
