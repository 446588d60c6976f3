import * as z from 'zod';
import { defineRequest } from '../method.ts';

export { PROTOCOL_VERSION } from '../protocolVersion.ts';

export const ClientKind = z.enum(['desktop', 'run-as', 'cli', 'monitor']);

// session.hello and agent.status (agent.ts) stay eager, unlike the other methods (method.ts, `onFirstUse`): every start
// answers them first, and the startup snapshot holds them built.
export const HelloParams = z.object({
  protocolVersion: z.number().int().positive(),
  client: z.object({
    kind: ClientKind,
    name: z.string().min(1).max(100),
    version: z.string().min(1).max(50),
  }),
});

/** The caller as the kernel reported it; never taken from a message. */
export const PeerIdentity = z.object({
  uid: z.number().int().nonnegative().nullable(),
  gid: z.number().int().nonnegative().nullable(),
  pid: z.number().int().positive().nullable(),
  userName: z.string().nullable(),
});

export const HelloResult = z.object({
  protocolVersion: z.number().int().positive(),
  agentVersion: z.string(),
  sessionId: z.string(),
  peer: PeerIdentity,
  /**
   * For a client of kind `desktop`: whether the agent verified it as a desktop login session of its
   * user (only verified desktops are offered and may answer prompts), and if not, why (a code).
   */
  desktop: z.object({ verified: z.boolean(), reason: z.string().optional() }).optional(),
});

/** `session.hello`: the handshake every connection starts with. */
export const SessionHello = defineRequest('session.hello', HelloParams, HelloResult);

export type HelloParams = z.infer<typeof HelloParams>;
export type HelloResult = z.infer<typeof HelloResult>;
export type PeerIdentity = z.infer<typeof PeerIdentity>;
