import { ProxyPropertyType, type ProxyDescriptor } from 'electron-ipc-cat/common';
import type { ServiceDescriptor } from './serviceDescriptor.ts';

/**
 * electron-ipc-cat's descriptor for one of our services. Streams without arguments are `Value$`
 * (one cold subscription per subscriber); streams with arguments are `Function$`.
 */
export function toProxyDescriptor(descriptor: ServiceDescriptor): ProxyDescriptor {
  const properties: Record<string, ProxyPropertyType> = {};
  for (const [name, member] of Object.entries(descriptor.members)) {
    if (member.kind === 'call') properties[name] = ProxyPropertyType.Function;
    else properties[name] = member.args.def.items.length === 0 ? ProxyPropertyType.Value$ : ProxyPropertyType.Function$;
  }
  return { channel: descriptor.channel, properties };
}
