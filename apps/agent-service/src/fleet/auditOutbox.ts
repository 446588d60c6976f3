import type { FleetAuditEvent } from '../../../../shared/protocol/src/common/fleet.ts';
import { eventBody, type EventRow } from '../audit/auditLog.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { AuditOutbox } from './fleetClient.ts';

/** The fleet's cursor among the SIEM sinks' (audit_sink_cursors): events after it have not reached the server. */
const SINK = 'fleet';
/** A batch stays well under the server's 1 MiB body limit for /v1/audit, however large single events are. */
const BATCH_BYTES = 512 * 1024;

type Row = Omit<EventRow, 'delivered_at'>;

/**
 * The agent's SQLite audit log as the fleet client's outbox. The cursor moves only after the server
 * stored a batch; a crash in between resends it, and the server drops the repeat by event id.
 */
export class SqliteAuditOutbox implements AuditOutbox {
  private readonly db: AgentDatabase;

  constructor({ db }: { db: AgentDatabase }) {
    this.db = db;
  }

  pending(limit: number): readonly FleetAuditEvent[] {
    const rows = this.db
      .prepare('SELECT seq, id, at, type, actor_uid, request_id, data_json, prev_hash, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(this.cursor(), limit) as Row[];
    const events: FleetAuditEvent[] = [];
    let bytes = 0;
    for (const row of rows) {
      bytes += row.data_json.length + 200;
      if (events.length > 0 && bytes > BATCH_BYTES) break;
      events.push({
        ...eventBody(row),
        // The chain fields go along so the fleet can prove this machine's log (rows from before the chain have none).
        ...(row.prev_hash !== null && row.hash !== null ? { seq: row.seq, prevHash: row.prev_hash, hash: row.hash } : {}),
      });
    }
    return events;
  }

  delivered(ids: readonly string[]): void {
    if (ids.length === 0) return;
    const row = this.db.prepare('SELECT MAX(seq) AS seq FROM audit_events WHERE id IN (SELECT value FROM json_each(?))').get(JSON.stringify(ids)) as {
      seq: number | null;
    };
    if (row.seq === null) return;
    this.db
      .prepare('INSERT INTO audit_sink_cursors (sink, last_seq) VALUES (?, ?) ON CONFLICT (sink) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq)')
      .run(SINK, row.seq);
  }

  private cursor(): number {
    const row = this.db.prepare('SELECT last_seq FROM audit_sink_cursors WHERE sink = ?').get(SINK) as { last_seq: number } | undefined;
    return row?.last_seq ?? 0;
  }
}
