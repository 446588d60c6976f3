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
  /**
   * `policy.explain` calls one user may make at once, across connections (then one a second): 60 covers
   * quick-elevate explaining its 40 candidates when the suite connects.
   */
  policyChecksBurst: z.number().int().min(1).default(60),
});
export type ConnectionLimits = z.infer<typeof ConnectionLimits>;

/** Why one more connection is refused (the agent already serves its maximum), or null to admit it. */
export function agentLimitRefusal(open: number, limits: ConnectionLimits): string | null {
  return open >= limits.maxConnections ? `the agent already serves ${limits.maxConnections} connections` : null;
}

/** Why one more connection of a user is refused, or null to admit it. */
export function userLimitRefusal(openOfUser: number, limits: ConnectionLimits): string | null {
  return openOfUser >= limits.maxConnectionsPerUser ? `this user already has ${limits.maxConnectionsPerUser} connections open` : null;
}

/** The window the per-method limits count in. */
const RATE_WINDOW_MS = 10_000;

/** One connection's per-method call limits (prompt answers, elevation requests). */
export function methodRateWindow(limits: ConnectionLimits): RateWindow {
  return new RateWindow({
    windowMs: RATE_WINDOW_MS,
    limits: { 'prompt.respond': limits.promptAnswersPer10s, 'elevation.request': limits.elevationRequestsPer10s },
  });
}

/** Counts calls per method in a sliding window; methods without a limit are always allowed. */
class RateWindow {
  private readonly windowMs: number;
  private readonly limits: Readonly<Record<string, number>>;
  private readonly calls = new Map<string, number[]>();

  constructor({ windowMs, limits }: { windowMs: number; limits: Readonly<Record<string, number>> }) {
    this.windowMs = windowMs;
    this.limits = limits;
  }

  allow(method: string): boolean {
    const limit = this.limits[method];
    if (limit === undefined) return true;
    const now = performance.now();
    const recent = (this.calls.get(method) ?? []).filter((at) => now - at < this.windowMs);
    if (recent.length >= limit) {
      this.calls.set(method, recent);
      return false;
    }
    recent.push(now);
    this.calls.set(method, recent);
    return true;
  }
}
