/** What time it is, injectable so tests (and the policy replay) can set it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Timers the flows use, injectable so tests can move time instead of waiting. */
export interface Scheduler {
  schedule(ms: number, run: () => void): () => void;
}

export const systemScheduler: Scheduler = {
  schedule(ms, run) {
    const timer = setTimeout(run, ms);
    return () => clearTimeout(timer);
  },
};
