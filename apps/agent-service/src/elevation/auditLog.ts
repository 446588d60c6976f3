import { randomUUID } from 'node:crypto';
import type { AgentDatabase } from '../store/database.ts';

export interface AuditEvent {
  readonly type: string;
  readonly actorUid: number | null;
  readonly requestId: string | null;
  /** Never secrets: callers pass decisions, identities and paths, not codes or keys. */
  readonly data: Record<string, unknown>;
}

/** Appends audit events; SQLite triggers refuse any update or delete of one. */
export class AuditLog {
  private readonly insert;

  constructor(db: AgentDatabase) {
    this.insert = db.prepare(
      'INSERT INTO audit_events (id, at, type, actor_uid, request_id, data_json) VALUES (@id, @at, @type, @actorUid, @requestId, @data)',
    );
  }

  append(event: AuditEvent, at: Date): string {
    const id = randomUUID();
    this.insert.run({ id, at: at.toISOString(), type: event.type, actorUid: event.actorUid, requestId: event.requestId, data: JSON.stringify(event.data) });
    return id;
  }
}
