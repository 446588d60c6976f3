interface Entry {
  readonly due: number;
  readonly expire: () => void;
}

/**
 * Timeouts for the calls of one client on a single timer, armed for the earliest deadline, instead
 * of a timer started and cleared per call. A call that settles only leaves the set; the timer, when
 * it fires, expires what is due and re-arms itself for the next deadline, if any. It is unref'd:
 * a call in flight keeps the process alive through its socket, never through its deadline.
 */
export class RequestDeadlines {
  private readonly pending = new Set<Entry>();
  private readonly now: () => number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private armedFor = Number.POSITIVE_INFINITY;

  // process.hrtime, not performance.now(): the `performance` global loads perf_hooks (~12 internal
  // modules) on first use, a cost the one-shot CLIs would pay on every call for one clock reading.
  constructor(now: () => number = () => Number(process.hrtime.bigint()) / 1e6) {
    this.now = now;
  }

  /** Settles as `work` does, or rejects with `timedOut()` if `work` is still pending after `ms`. */
  race<T>(work: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = { due: this.now() + ms, expire: () => reject(timedOut()) };
      this.pending.add(entry);
      this.arm(entry.due);
      work.then(
        (value) => {
          this.pending.delete(entry);
          resolve(value);
        },
        (error: Error) => {
          this.pending.delete(entry);
          reject(error);
        },
      );
    });
  }

  private arm(due: number): void {
    if (due >= this.armedFor) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = due;
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - this.now()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.pending) {
      if (entry.due <= now) {
        this.pending.delete(entry);
        entry.expire();
      } else if (entry.due < next) {
        next = entry.due;
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  }
}
