import type { StreamObserver } from '../common/serviceDescriptor.ts';
import type { BridgeTransport } from './bridgeTransport.ts';

type ExposedService = Record<string, ((...args: unknown[]) => unknown) | undefined>;

declare global {
  interface Window {
    /** Set by the window's preload (electron-ipc-cat proxies, copied across contextBridge). */
    service?: Record<string, ExposedService | undefined>;
  }
}

/**
 * The Electron bridge: calls go to the electron-ipc-cat proxies the preload exposed. Streams use the
 * proxies' `<member>Subscribe` helpers, because an rxjs Observable loses its prototype across the
 * context bridge.
 */
export function electronTransport(services: NonNullable<Window['service']>): BridgeTransport {
  const member = (channel: string, name: string) => {
    const fn = services[channel]?.[name];
    if (typeof fn !== 'function') throw new Error(`the preload exposes no ${channel}.${name}`);
    return fn;
  };
  return {
    kind: 'electron',
    // Through a Promise executor, so a missing member or a throwing proxy becomes a rejection.
    call: (channel, name, args) => new Promise((resolve) => resolve(member(channel, name)(...args))),
    subscribe(channel, name, args, observer: StreamObserver<unknown>) {
      const subscribe = member(channel, `${name}Subscribe`);
      const target = args.length === 0 ? subscribe : (subscribe(...args) as (o: unknown) => unknown);
      let active = true;
      // electron-ipc-cat never forwards unsubscribe to main, so a stopped stream is filtered here.
      target({
        next: (value: unknown) => active && observer.next(value),
        error: (error: Error) => active && observer.error?.(error),
        complete: () => {},
      });
      return () => {
        active = false;
      };
    },
    onDisconnect() {},
  };
}
