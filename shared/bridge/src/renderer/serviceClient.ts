import './zodConfig.ts';
import * as z from 'zod';
import type { ServiceClient, ServiceDescriptor } from '../common/serviceDescriptor.ts';
import type { BridgeTransport } from './bridgeTransport.ts';
import { createCheckedClient, type MemberCheck } from './checkedClient.ts';

/** A typed client for one service; every value from main is parsed by the descriptor's schemas before the page sees it. */
export function createServiceClient<D extends ServiceDescriptor>(descriptor: D, transport: BridgeTransport): ServiceClient<D> {
  const checks = Object.fromEntries(
    Object.entries(descriptor.members).map(([name, member]): [string, MemberCheck] =>
      member.kind === 'call'
        ? [name, { kind: 'call', check: (value) => member.result.parse(value) }]
        : [
            name,
            {
              kind: 'stream',
              check: (value) => {
                const parsed = member.value.safeParse(value);
                if (!parsed.success) throw new Error(z.prettifyError(parsed.error));
                return parsed.data;
              },
            },
          ],
    ),
  );
  return createCheckedClient(descriptor.channel, checks, transport) as ServiceClient<D>;
}
