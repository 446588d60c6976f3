/** A per-key token bucket: `capacity` calls at once, then one more every `refillMs`. */
export class TokenBuckets {
  private readonly capacity: number;
  private readonly refillMs: number;
  private readonly buckets = new Map<number, { tokens: number; at: number; refusing: boolean }>();

  constructor(capacity: number, refillMs: number) {
    this.capacity = capacity;
    this.refillMs = refillMs;
  }

  /**
   * Takes a token for `key`. Refused: how many seconds until the next one, and whether this is the
   * first refusal since the bucket ran dry (so a flood is recorded once, not once per call).
   */
  take(key: number, now: number): { ok: true } | { ok: false; seconds: number; first: boolean } {
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, at: now, refusing: false };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.at) / this.refillMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      bucket.refusing = false;
      if (bucket.tokens >= this.capacity - 1) this.forgetFull(now);
      return { ok: true };
    }
    const first = !bucket.refusing;
    bucket.refusing = true;
    return { ok: false, seconds: Math.ceil(((1 - bucket.tokens) * this.refillMs) / 1000), first };
  }

  /** Buckets that have refilled carry no state: drop them, so the map stays as small as the active callers. */
  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) / this.refillMs >= this.capacity) this.buckets.delete(key);
    }
  }
}
