import { useSyncExternalStore } from 'react';

/**
 * One clock per interval for the whole window: every component that shows live time re-renders in
 * the same tick, and only those components (a list of countdowns is one render, not one per row, and
 * the parents holding them are left alone).
 */
interface Clock {
  readonly subscribe: (listener: () => void) => () => void;
  readonly read: () => number;
}

const clocks = new Map<number, Clock>();

function makeClock(intervalMs: number): Clock {
  const listeners = new Set<() => void>();
  let now = Date.now();
  let timer: number | undefined;
  return {
    subscribe(listener) {
      listeners.add(listener);
      if (timer === undefined) {
        // A clock nobody watched may be stale; the store re-reads it right after subscribing.
        now = Date.now();
        timer = window.setInterval(() => {
          now = Date.now();
          for (const notify of listeners) notify();
        }, intervalMs);
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          window.clearInterval(timer);
          timer = undefined;
        }
      };
    },
    read: () => now,
  };
}

/** The current time, updated every `intervalMs`; drives live counters such as uptime and countdowns. */
export function useNow(intervalMs = 1000): number {
  let clock = clocks.get(intervalMs);
  if (!clock) {
    clock = makeClock(intervalMs);
    clocks.set(intervalMs, clock);
  }
  return useSyncExternalStore(clock.subscribe, clock.read);
}

/** Splits seconds into the parts the uptime string shows. */
export function splitDuration(totalSeconds: number): { hours: number; minutes: number; seconds: number } {
  const s = Math.max(0, Math.floor(totalSeconds));
  return { hours: Math.floor(s / 3600), minutes: Math.floor((s % 3600) / 60), seconds: s % 60 };
}

/** Time left until `until` as the parts of an "m:ss" countdown (minutes may exceed 59; seconds padded). */
export function minutesAndSeconds(until: string, now: number): { minutes: number; seconds: string; totalSeconds: number } {
  const left = splitDuration((new Date(until).getTime() - now) / 1000);
  return {
    minutes: left.hours * 60 + left.minutes,
    seconds: String(left.seconds).padStart(2, '0'),
    totalSeconds: left.hours * 3600 + left.minutes * 60 + left.seconds,
  };
}
