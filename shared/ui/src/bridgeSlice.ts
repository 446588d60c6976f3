/** Where this page's link to the desktop app (not the agent) stands. */
export type BridgeState = 'connecting' | 'ready' | 'lost' | 'failed';

/** The part of a window's store that follows its bridge; BridgeAlert/BridgeNotice show it. */
export interface BridgeSlice {
  bridge: BridgeState;
  /** Why the bridge failed; null unless it did. */
  bridgeError: string | null;
}

/** What the bridge start-up (followBridge, followPrompts) reports into a window's store. */
export interface BridgeActions {
  bridgeReady: () => void;
  bridgeLost: () => void;
  bridgeFailed: (reason: string) => void;
}

/** A window's bridge slice before the start-up has reported anything. */
export const BRIDGE_CONNECTING: BridgeSlice = { bridge: 'connecting', bridgeError: null };

/** The bridge actions over a zustand store's `setState` (or a slice creator's `set`). */
export function createBridgeActions(set: (partial: Partial<BridgeSlice>) => void): BridgeActions {
  return {
    bridgeReady: () => set({ bridge: 'ready', bridgeError: null }),
    bridgeLost: () => set({ bridge: 'lost' }),
    bridgeFailed: (reason) => set({ bridge: 'failed', bridgeError: reason }),
  };
}
