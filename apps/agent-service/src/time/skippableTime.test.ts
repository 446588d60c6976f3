import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SkippableTime } from './skippableTime.ts';

// Vitest's fake timers stand in for real time, which SkippableTime adds its offset to.
beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SkippableTime', () => {
  it('is real time until a skip, then real time plus the total skipped', () => {
    const time = new SkippableTime();
    expect(time.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
    vi.advanceTimersByTime(1_000);
    expect(time.now().toISOString()).toBe('2026-01-01T00:00:01.000Z');
    time.skipTo(60_000);
    expect(time.now().toISOString()).toBe('2026-01-01T00:01:01.000Z');
    expect(time.skippedMs).toBe(60_000);
    vi.advanceTimersByTime(500);
    expect(time.now().toISOString()).toBe('2026-01-01T00:01:01.500Z');
  });

  it('runs every timer due by the skip at once, earliest first, and leaves later ones', () => {
    const time = new SkippableTime();
    const ran: string[] = [];
    time.schedule(3_000, () => ran.push('3s'));
    time.schedule(1_000, () => ran.push('1s'));
    time.schedule(10_000, () => ran.push('10s'));
    expect(time.skipTo(5_000)).toBe(2);
    expect(ran).toEqual(['1s', '3s']);
    // Time still flows: the remaining timer fires by real time, 5 s skipped + 5 s passed.
    vi.advanceTimersByTime(4_999);
    expect(ran).toEqual(['1s', '3s']);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(['1s', '3s', '10s']);
  });

  it('runs a timer once: not again when its real timeout comes after a skip ran it', () => {
    const time = new SkippableTime();
    let runs = 0;
    time.schedule(1_000, () => (runs += 1));
    time.skipTo(1_000);
    vi.advanceTimersByTime(5_000);
    expect(runs).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runs a timer a run schedules when it is already due, but not one that is due later', () => {
    const time = new SkippableTime();
    const ran: string[] = [];
    time.schedule(1_000, () => {
      ran.push('escalate');
      time.schedule(0, () => ran.push('now'));
      time.schedule(60_000, () => ran.push('expire'));
    });
    time.skipTo(2_000);
    expect(ran).toEqual(['escalate', 'now']);
    time.skipTo(62_000);
    expect(ran).toEqual(['escalate', 'now', 'expire']);
  });

  it('never runs a cancelled timer, by skip or by real time', () => {
    const time = new SkippableTime();
    let runs = 0;
    const cancel = time.schedule(1_000, () => (runs += 1));
    cancel();
    time.skipTo(5_000);
    vi.advanceTimersByTime(5_000);
    expect(runs).toBe(0);
  });

  it('only moves forward: a total at or below the one reached changes nothing, so a repeated request is harmless', () => {
    const time = new SkippableTime();
    let runs = 0;
    time.schedule(10_000, () => (runs += 1));
    time.skipTo(5_000);
    expect(time.skipTo(5_000)).toBe(0);
    expect(time.skipTo(1_000)).toBe(0);
    expect(time.skippedMs).toBe(5_000);
    expect(runs).toBe(0);
    expect(() => time.skipTo(Number.NaN)).toThrow(/finite/);
  });
});
