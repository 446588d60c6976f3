import { describe, expect, it } from 'vitest';
import { TokenBuckets } from './tokenBucket.ts';

describe('TokenBuckets', () => {
  it('allows a burst, then one call per refill interval, per key', () => {
    const buckets = new TokenBuckets(3, 1_000);
    expect([0, 0, 0].map(() => buckets.take(7, 0).ok)).toEqual([true, true, true]);
    expect(buckets.take(7, 0)).toEqual({ ok: false, seconds: 1, first: true });
    expect(buckets.take(7, 400)).toEqual({ ok: false, seconds: 1, first: false });
    expect(buckets.take(8, 400).ok).toBe(true);
    expect(buckets.take(7, 1_000).ok).toBe(true);
    expect(buckets.take(7, 1_000)).toEqual({ ok: false, seconds: 1, first: true });
  });

  it('refills to the burst size and no further', () => {
    const buckets = new TokenBuckets(2, 1_000);
    buckets.take(1, 0);
    buckets.take(1, 0);
    expect([0, 0, 0].map(() => buckets.take(1, 60_000).ok)).toEqual([true, true, false]);
  });
});
