import type { StreamObserver } from '../common/serviceDescriptor.ts';
import type { BridgeTransport } from './bridgeTransport.ts';

/** How a client checks what main sends for one member: it returns the checked value or throws. */
export type MemberCheck = { readonly kind: 'call' | 'stream'; readonly check: (value: unknown) => unknown };

/**
 * A client for the service on `channel`, every value from main checked before the page sees it: a
 * call's result (a failed check rejects the call), a stream's values (a failed check is the stream's
 * error). Without zod, so a prompt window can check with promptChecks.ts instead (promptClient.ts).
 */
export function createCheckedClient(channel: string, members: Record<string, MemberCheck>, transport: BridgeTransport): Record<string, unknown> {
  const client: Record<string, unknown> = {};
  for (const [name, { kind, check }] of Object.entries(members)) {
    if (kind === 'call') {
      client[name] = async (...args: unknown[]) => check(await transport.call(channel, name, args));
    } else {
      client[name] = (...argsAndObserver: unknown[]) => {
        const observer = argsAndObserver.pop() as StreamObserver<unknown>;
        return transport.subscribe(channel, name, argsAndObserver, {
          next: (value) => {
            let checked: unknown;
            try {
              checked = check(value);
            } catch (error) {
              return observer.error?.(new Error(`invalid value from ${channel}.${name}: ${(error as Error).message}`));
            }
            observer.next(checked);
          },
          error: (error) => observer.error?.(error),
        });
      };
    }
  }
  return client;
}
