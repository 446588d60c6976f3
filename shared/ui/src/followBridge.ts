import type { BridgeTransport } from '../../bridge/src/renderer/bridgeTransport.ts';
import { connectBridge } from '../../bridge/src/renderer/connectBridge.ts';
import type { BridgeActions } from './bridgeSlice.ts';

/** Reports a failure of the bridge or of one of the window's service streams. */
export type BridgeFailed = (error: Error) => void;

/**
 * Connects a window to the desktop app and reports the link into its store: ready once connected,
 * lost on disconnect, failed when connecting fails or `connected` (the window's own services over
 * the transport) reports a failure through `failed`.
 */
export function followBridge(actions: BridgeActions, connected: (transport: BridgeTransport, failed: BridgeFailed) => void): void {
  const failed: BridgeFailed = (error) => actions.bridgeFailed(error.message);
  connectBridge().then((transport) => {
    actions.bridgeReady();
    transport.onDisconnect(actions.bridgeLost);
    connected(transport, failed);
  }, failed);
}
