import { create } from 'zustand';
import type { TrayView } from '../../../../shared/bridge/src/common/services/tray.ts';
import { BRIDGE_CONNECTING, createBridgeActions, type BridgeSlice } from '../../../../shared/ui/src/bridgeSlice.ts';

export interface ClientWindowState extends BridgeSlice {
  view: TrayView | null;
  /** The window the last menu item opened, for the live region. */
  opened: string | null;
  aboutShown: boolean;
  /** "Quit Keeper" was chosen: the suite is ending, so a lost bridge is expected, not a fault. */
  quit: boolean;
  /** Runs a menu item in main (opens its window). */
  activate: ((itemId: string) => Promise<{ opened: string | null }>) | null;
}

export const useClientWindow = create<ClientWindowState>()(() => ({
  ...BRIDGE_CONNECTING,
  view: null,
  opened: null,
  aboutShown: false,
  quit: false,
  activate: null,
}));

export const clientWindowActions = {
  ...createBridgeActions(useClientWindow.setState),
  viewChanged: (view: TrayView) => useClientWindow.setState({ view }),
  opened: (window: string | null) => useClientWindow.setState({ opened: window }),
  setActivate: (activate: ClientWindowState['activate']) => useClientWindow.setState({ activate }),
  quitChosen: () => useClientWindow.setState({ quit: true }),
  toggleAbout: () => useClientWindow.setState((state) => ({ aboutShown: !state.aboutShown })),
};
