import type { BridgeTransport } from './bridgeTransport.ts';
import { electronTransport } from './electronTransport.ts';
import { connectWebShell } from './webShellTransport.ts';

/** Electron when the preload exposed services, the web shell otherwise. */
export function connectBridge(): Promise<BridgeTransport> {
  return window.service ? Promise.resolve(electronTransport(window.service)) : connectWebShell(window.location);
}
