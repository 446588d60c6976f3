import { randomUUID } from 'node:crypto';
import type { AuditEvent as StoredEvent } from '../../../../shared/protocol/src/common/index.ts';
import type { AgentDatabase } from '../store/database.ts';

export interface AuditEvent {
  readonly type: string;
  readonly actorUid: number | null;
  readonly requestId: string | null;
  /** Never secrets: callers pass decisions, identities and paths, not codes or keys. */
  readonly data: Record<string, unknown>;
}

/** An audit_events row as SQLite returns it. */
export interface EventRow {
  seq: number;
  id: string;
  at: string;
  type: string;
  actor_uid: number | null;
  request_id: string | null;
  data_json: string;
  delivered_at: string | null;
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    seq: row.seq,
    id: row.id,
    at: row.at,
    type: row.type,
    actorUid: row.actor_uid,
    requestId: row.request_id,
    data: JSON.parse(row.data_json) as Record<string, unknown>,
    deliveredAt: row.delivered_at,
  };
}

/** Appends audit events; SQLite triggers refuse any update or delete of one. */
export class AuditLog {
  private readonly db: AgentDatabase;
  private readonly insert;
  private readonly listeners = new Set<() => void>();

  constructor(db: AgentDatabase) {
    this.db = db;
    this.insert = db.prepare(
      'INSERT INTO audit_events (id, at, type, actor_uid, request_id, data_json) VALUES (@id, @at, @type, @actorUid, @requestId, @data)',
    );
  }

  append(event: AuditEvent, at: Date): string {
    const id = randomUUID();
    this.insert.run({ id, at: at.toISOString(), type: event.type, actorUid: event.actorUid, requestId: event.requestId, data: JSON.stringify(event.data) });
    for (const listener of this.listeners) queueMicrotask(listener);
    return id;
  }

  /** Told after every append (the forwarder flushes then, outside the appending transaction). */
  onAppended(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  after(seq: number, limit: number, filter: { types?: readonly string[] | undefined; requestId?: string | undefined } = {}): StoredEvent[] {
    const rows = this.db.prepare('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?').iterate(seq, 10 * limit) as IterableIterator<EventRow>;
    const events: StoredEvent[] = [];
    for (const row of rows) {
      if (filter.types && !filter.types.includes(row.type)) continue;
      if (filter.requestId && row.request_id !== filter.requestId) continue;
      events.push(toStoredEvent(row));
      if (events.length === limit) break;
    }
    return events;
  }

  markDelivered(throughSeq: number, at: Date): void {
    this.db.prepare('UPDATE audit_events SET delivered_at = ? WHERE seq <= ? AND delivered_at IS NULL').run(at.toISOString(), throughSeq);
  }
}
