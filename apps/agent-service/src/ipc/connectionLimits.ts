import * as z from 'zod';

/** Per-connection and agent-wide limits on the socket (all have safe defaults). */
export const ConnectionLimits = z.strictObject({
  maxConnections: z.number().int().min(1).default(1024),
  maxConnectionsPerUser: z.number().int().min(1).default(256),
  /** Requests a connection may have in flight at once. */
  maxPendingRequests: z.number().int().min(1).default(16),
  /** A connection that has not said session.hello by then is closed. */
  handshakeTimeoutMs: z.number().int().min(100).default(10_000),
  /** Calls per method per connection in a 10-second window (prompt answers, elevation requests). */
  promptAnswersPer10s: z.number().int().min(1).default(10),
  elevationRequestsPer10s: z.number().int().min(1).default(20),
});
export type ConnectionLimits = z.infer<typeof ConnectionLimits>;
