import type { Db } from '../db/pool.ts';
import { RateLimitedError } from '../http/fleetError.ts';
import { auditServer } from './audit.ts';

export type LimitedCall = 'filing' | 'audit';

export interface RateLimits {
  /** Approval filings per machine per minute (also the burst). */
  filingsPerMinute: number;
  /** Audit batches per machine per minute (also the burst). */
  auditBatchesPerMinute: number;
}

interface Bucket {
  tokens: number;
  at: number;
  /** The first refusal of a run of refusals is audited; the rest are counted into it. */
  refusing: boolean;
}

const NAMES: Record<LimitedCall, string> = { filing: 'approval filings', audit: 'audit batches' };

/**
 * A token bucket per machine and kind of call, in this instance's memory: one machine cannot flood
 * the queue or the audit table, whatever its certificate. With several instances each keeps its
 * own buckets (a machine's keep-alive connection stays on one). The first refusal of a burst is
 * audited, not every one: auditing each would write what the limit is there to keep out.
 */
export class MachineRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly db: Db;
  private readonly limits: RateLimits;

  constructor(db: Db, limits: RateLimits) {
    this.db = db;
    this.limits = limits;
  }

  async take(kind: LimitedCall, machineId: string, now = Date.now()): Promise<void> {
    const perMinute = kind === 'filing' ? this.limits.filingsPerMinute : this.limits.auditBatchesPerMinute;
    const key = `${kind}:${machineId}`;
    const bucket = this.buckets.get(key) ?? { tokens: perMinute, at: now, refusing: false };
    bucket.tokens = Math.min(perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * perMinute);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.refusing = false;
      this.prune(now);
      return;
    }
    const retryAfter = Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / perMinute));
    if (!bucket.refusing) {
      bucket.refusing = true;
      await auditServer(this.db, 'machine.rate-limited', { call: kind, perMinute }, { machineId }).catch(() => undefined);
    }
    throw new RateLimitedError(`this machine sent more than ${perMinute} ${NAMES[kind]} per minute; retry in ${retryAfter} s`, retryAfter);
  }

  /** Full buckets carry no state worth keeping; dropped once the map grows. */
  private prune(now: number): void {
    if (this.buckets.size < 50_000) return;
    for (const [key, bucket] of this.buckets) {
      const perMinute = key.startsWith('filing:') ? this.limits.filingsPerMinute : this.limits.auditBatchesPerMinute;
      if (bucket.tokens + ((now - bucket.at) / 60_000) * perMinute >= perMinute) this.buckets.delete(key);
    }
  }
}
