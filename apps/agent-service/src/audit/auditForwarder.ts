import type { AgentDatabase } from '../store/database.ts';
import type { Clock, Scheduler } from '../time/clock.ts';
import type { AuditLog } from './auditLog.ts';
import type { AuditSink } from './auditSinks.ts';

const BATCH = 500;
const RETRY_MS = 5_000;

/**
 * Delivers the audit outbox to every sink in seq order, each sink with its own cursor in SQLite.
 * Nothing leaves while the backend is offline; on reconnect the backlog goes out. A cursor moves
 * only after its sink took the batch, and a file sink re-reads its own tail at start, so a crash
 * between the two neither loses nor repeats an event there.
 */
export class AuditForwarder {
  private readonly sinks: readonly AuditSink[];
  private readonly db: AgentDatabase;
  private readonly audit: AuditLog;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly isOnline: () => boolean;
  private readonly onError: (sink: string, error: Error) => void;
  private flushing: Promise<void> | null = null;
  private again = false;
  private cancelRetry: (() => void) | null = null;
  private stopped = false;
  private readonly detach: () => void;

  constructor(deps: {
    sinks: readonly AuditSink[];
    db: AgentDatabase;
    audit: AuditLog;
    clock: Clock;
    scheduler: Scheduler;
    isOnline: () => boolean;
    onError: (sink: string, error: Error) => void;
  }) {
    this.sinks = deps.sinks;
    this.db = deps.db;
    this.audit = deps.audit;
    this.clock = deps.clock;
    this.scheduler = deps.scheduler;
    this.isOnline = deps.isOnline;
    this.onError = deps.onError;
    for (const sink of this.sinks) {
      const recovered = sink.recoverCursor();
      if (recovered !== null && recovered > this.cursor(sink)) this.setCursor(sink, recovered);
    }
    this.detach = this.audit.onAppended(() => void this.flush());
  }

  /** Delivers everything pending now (no-op offline); concurrent calls share one run. */
  flush(): Promise<void> {
    if (this.stopped || !this.isOnline() || this.sinks.length === 0) return Promise.resolve();
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      do {
        this.again = false;
        for (const sink of this.sinks) await this.drain(sink);
        this.markDelivered();
      } while (this.again && !this.stopped && this.isOnline());
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  stop(): void {
    this.stopped = true;
    this.detach();
    this.cancelRetry?.();
    for (const sink of this.sinks) sink.close();
  }

  private async drain(sink: AuditSink): Promise<void> {
    for (;;) {
      const events = this.audit.after(this.cursor(sink), BATCH);
      if (events.length === 0 || !this.isOnline()) return;
      try {
        await sink.deliver(events);
      } catch (error) {
        this.onError(sink.name, error as Error);
        this.cancelRetry ??= this.scheduler.schedule(RETRY_MS, () => {
          this.cancelRetry = null;
          void this.flush();
        });
        return;
      }
      this.setCursor(sink, events.at(-1)!.seq);
    }
  }

  private markDelivered(): void {
    const through = Math.min(...this.sinks.map((s) => this.cursor(s)));
    if (through > 0) this.audit.markDelivered(through, this.clock.now());
  }

  private cursor(sink: AuditSink): number {
    const row = this.db.prepare('SELECT last_seq FROM audit_sink_cursors WHERE sink = ?').get(sink.name) as { last_seq: number } | undefined;
    return row?.last_seq ?? 0;
  }

  private setCursor(sink: AuditSink, seq: number): void {
    this.db
      .prepare('INSERT INTO audit_sink_cursors (sink, last_seq) VALUES (?, ?) ON CONFLICT (sink) DO UPDATE SET last_seq = excluded.last_seq')
      .run(sink.name, seq);
  }
}
