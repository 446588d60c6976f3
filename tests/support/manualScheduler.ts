import type { Scheduler } from '../../apps/agent-service/src/time/clock.ts';

/**
 * Timers that fire only when a test moves time: `advance` runs every due timer in time order,
 * setting `now` to each one's moment first (so timers a callback schedules are honoured too).
 */
export class ManualScheduler implements Scheduler {
  now: number;
  private timers: Array<{ at: number; run: () => void; live: boolean }> = [];

  constructor(startMs = 0) {
    this.now = startMs;
  }

  schedule(ms: number, run: () => void) {
    const timer = { at: this.now + ms, run, live: true };
    this.timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  advance(ms: number) {
    const end = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.now = Math.max(this.now, due.at);
      due.live = false;
      due.run();
    }
    this.now = end;
  }

  get pending() {
    return this.timers.filter((t) => t.live).length;
  }
}
