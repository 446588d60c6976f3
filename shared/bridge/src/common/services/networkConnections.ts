import * as z from 'zod';
import { ReasonDetail } from '../../../../protocol/src/common/methods/elevation.ts';
import { call, defineService } from '../serviceDescriptor.ts';
import { ElevationProblem } from './elevationProblem.ts';

/** A Linux interface name (IFNAMSIZ 16 incl. NUL); nothing a shell or `ip` could misread. */
export const InterfaceName = z.string().regex(/^[A-Za-z0-9_.:@-]{1,15}$/, 'an interface name');

export const NetworkAddress = z.object({
  family: z.enum(['IPv4', 'IPv6']),
  address: z.string(),
  prefixLength: z.number().int().min(0).max(128),
});

export const NetworkInterface = z.object({
  name: z.string(),
  /** The kernel's operstate: up, down, unknown (loopback, some virtual links), dormant… */
  state: z.string(),
  adminUp: z.boolean(),
  carrier: z.boolean().nullable(),
  kind: z.enum(['loopback', 'ethernet', 'wireless', 'virtual', 'other']),
  mac: z.string().nullable(),
  mtu: z.number().int().nullable(),
  addresses: z.array(NetworkAddress),
  /** The Wi-Fi network this interface is on, when NetworkManager says so. */
  ssid: z.string().nullable(),
});
export type NetworkInterface = z.infer<typeof NetworkInterface>;

export const SavedConnection = z.object({
  name: z.string(),
  uuid: z.string(),
  type: z.string(),
  device: z.string().nullable(),
  active: z.boolean(),
});
export type SavedConnection = z.infer<typeof SavedConnection>;

export const NetworkSnapshot = z.object({
  interfaces: z.array(NetworkInterface),
  /** NetworkManager (`nmcli`): saved connections and Wi-Fi networks; absent on many servers. */
  networkManager: z.discriminatedUnion('available', [
    z.object({
      available: z.literal(true),
      connections: z.array(SavedConnection),
      wifi: z.array(z.object({ ssid: z.string(), signal: z.number().int().nullable(), inUse: z.boolean() })),
    }),
    z.object({ available: z.literal(false), problem: ElevationProblem }),
  ]),
  takenAt: z.iso.datetime(),
});
export type NetworkSnapshot = z.infer<typeof NetworkSnapshot>;

/** A privileged change: done, denied by policy (with its message), or failed. */
export const NetworkActionResult = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('done'), requestId: z.string() }),
  z.object({ outcome: z.literal('denied'), requestId: z.string().nullable(), reason: z.string(), reasonDetail: ReasonDetail.nullable() }),
  z.object({ outcome: z.literal('failed'), requestId: z.string().nullable(), problem: ElevationProblem }),
]);
export type NetworkActionResult = z.infer<typeof NetworkActionResult>;

/**
 * Keeper.NetworkConnections, the substitute for the OS network settings: reading is free, changes
 * go through `elevation.request` + `elevation.run` under policy, so the user gets the usual prompts.
 */
export const NetworkConnectionsService = defineService('keeper.networkConnections', {
  snapshot: call(z.tuple([]), NetworkSnapshot),
  setInterfaceState: call(z.tuple([InterfaceName, z.enum(['up', 'down'])]), NetworkActionResult),
  forgetNetwork: call(z.tuple([z.string().regex(/^[0-9a-fA-F-]{36}$/, 'a connection UUID')]), NetworkActionResult),
});
