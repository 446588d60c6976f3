import type { StreamObserver, Unsubscribe } from '../common/serviceDescriptor.ts';

/** How a renderer reaches main: Electron IPC through the preload, or the web shell's WebSocket. */
export interface BridgeTransport {
  readonly kind: 'electron' | 'web-shell';
  call(channel: string, member: string, args: readonly unknown[]): Promise<unknown>;
  subscribe(channel: string, member: string, args: readonly unknown[], observer: StreamObserver<unknown>): Unsubscribe;
  /** Fires once if the link to main is lost (web shell closed); Electron never loses it. */
  onDisconnect(listener: () => void): void;
}
