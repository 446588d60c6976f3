/**
 * Runs a package database's check at most once per interval, one at a time: look-ups that arrive
 * while a check runs wait for it instead of starting their own.
 */
export class DatabaseRecheck {
  private readonly intervalMs: number;
  private readonly check: () => Promise<void>;
  private checkedAt = -Infinity;
  private running: Promise<void> | null = null;

  constructor(options: { intervalMs: number; check: () => Promise<void> }) {
    this.intervalMs = options.intervalMs;
    this.check = options.check;
  }

  async upToDate(): Promise<void> {
    while (this.running) await this.running;
    const now = performance.now();
    if (now - this.checkedAt < this.intervalMs) return;
    this.checkedAt = now;
    this.running = this.check().finally(() => (this.running = null));
    await this.running;
  }
}
