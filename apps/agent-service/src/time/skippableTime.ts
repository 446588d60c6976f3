import type { Clock, Scheduler } from './clock.ts';

interface Timer {
  readonly at: number;
  readonly run: () => void;
  cancelReal: () => void;
}

/**
 * Real time plus an offset that only grows (the agent's `--time-skip`, a test aid): time still
 * flows, so nothing freezes and no two moments tie, and `skipTo` makes a test's waits for the
 * agent's own timers (escalation, expiry, prompt timeouts) instant. Each timer keeps a real
 * timeout too, so cases that never skip behave as on system time.
 */
export class SkippableTime implements Clock, Scheduler {
  private offset = 0;
  private readonly timers = new Set<Timer>();

  /** The offset skipped so far, in ms. */
  get skippedMs(): number {
    return this.offset;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  schedule(ms: number, run: () => void): () => void {
    const timer = { at: this.nowMs() + ms, run, cancelReal: () => {} };
    this.timers.add(timer);
    this.armReal(timer);
    return () => {
      this.timers.delete(timer);
      timer.cancelReal();
    };
  }

  /**
   * Raises the total offset to `offsetMs` (a lower or equal total changes nothing, so a repeated
   * request is harmless) and runs every timer now due, earliest first, including those a run
   * schedules that are already due; the others' real timeouts are shortened by the skip. Returns
   * how many timers ran.
   */
  skipTo(offsetMs: number): number {
    if (!Number.isFinite(offsetMs)) throw new RangeError(`a time skip must be a finite number of ms, not ${offsetMs}`);
    if (offsetMs <= this.offset) return 0;
    this.offset = offsetMs;
    let ran = 0;
    for (;;) {
      const now = this.nowMs();
      const due = [...this.timers].filter((t) => t.at <= now).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers.delete(due);
      due.cancelReal();
      due.run();
      ran += 1;
    }
    for (const timer of this.timers) this.armReal(timer);
    return ran;
  }

  /** (Re)arms a timer's real timeout for what is left of it on this clock. */
  private armReal(timer: Timer): void {
    timer.cancelReal();
    const real = setTimeout(
      () => {
        if (!this.timers.delete(timer)) return;
        timer.run();
      },
      Math.max(0, timer.at - this.nowMs()),
    );
    timer.cancelReal = () => clearTimeout(real);
  }

  private nowMs(): number {
    return Date.now() + this.offset;
  }
}
