import './zodConfig.ts';
import * as z from 'zod';
import type { ServiceClient, ServiceDescriptor, StreamObserver } from '../common/serviceDescriptor.ts';
import type { BridgeTransport } from './bridgeTransport.ts';

/** A typed client for one service; every value from main is parsed before the page sees it. */
export function createServiceClient<D extends ServiceDescriptor>(descriptor: D, transport: BridgeTransport): ServiceClient<D> {
  const client: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(descriptor.members)) {
    if (member.kind === 'call') {
      client[name] = async (...args: unknown[]) => member.result.parse(await transport.call(descriptor.channel, name, args));
    } else {
      client[name] = (...argsAndObserver: unknown[]) => {
        const observer = argsAndObserver.pop() as StreamObserver<unknown>;
        return transport.subscribe(descriptor.channel, name, argsAndObserver, {
          next: (value) => {
            const parsed = member.value.safeParse(value);
            if (parsed.success) observer.next(parsed.data);
            else observer.error?.(new Error(`invalid value from ${descriptor.channel}.${name}: ${z.prettifyError(parsed.error)}`));
          },
          error: (error) => observer.error?.(error),
        });
      };
    }
  }
  return client as ServiceClient<D>;
}
