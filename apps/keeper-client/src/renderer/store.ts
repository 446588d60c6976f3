import { create } from 'zustand';
import type { TrayView } from '../../../../shared/bridge/src/common/services/tray.ts';

export interface ClientWindowState {
  /** Link between this page and the desktop app (not the agent). */
  bridge: 'connecting' | 'ready' | 'lost' | 'failed';
  bridgeError: string | null;
  view: TrayView | null;
  /** The window the last menu item opened, for the live region. */
  opened: string | null;
  aboutShown: boolean;
  /** "Quit Keeper" was chosen: the suite is ending, so a lost bridge is expected, not a fault. */
  quit: boolean;
  /** Runs a menu item in main (opens its window). */
  activate: ((itemId: string) => Promise<{ opened: string | null }>) | null;
}

export const useClientWindow = create<ClientWindowState>()(() => ({ bridge: 'connecting', bridgeError: null, view: null, opened: null, aboutShown: false, quit: false, activate: null }));

export const clientWindowActions = {
  bridgeReady: () => useClientWindow.setState({ bridge: 'ready', bridgeError: null }),
  bridgeLost: () => useClientWindow.setState({ bridge: 'lost' }),
  bridgeFailed: (reason: string) => useClientWindow.setState({ bridge: 'failed', bridgeError: reason }),
  viewChanged: (view: TrayView) => useClientWindow.setState({ view }),
  opened: (window: string | null) => useClientWindow.setState({ opened: window }),
  setActivate: (activate: ClientWindowState['activate']) => useClientWindow.setState({ activate }),
  quitChosen: () => useClientWindow.setState({ quit: true }),
  toggleAbout: () => useClientWindow.setState((state) => ({ aboutShown: !state.aboutShown })),
};
