import type { Logger } from 'pino';
import type { AuditEvent } from '../../../../shared/protocol/src/common/index.ts';
import type { AuditSink } from '../../../agent-service/src/audit/auditSinks.ts';
import { inTransaction, type Db } from '../db/pool.ts';
import { STORED_AUDIT_COLUMNS, type StoredAuditRow } from './audit.ts';

/**
 * Hands the fleet's audit to the same sinks the agent uses (JSON lines, syslog). Rows are claimed
 * with SKIP LOCKED, so with several instances each row goes out through one of them, and marked
 * only after the sinks took it (a crash in between resends it; the event id lets a SIEM de-duplicate).
 */
export async function forwardAudit(db: Db, sinks: readonly AuditSink[], log: Logger, batch = 500): Promise<number> {
  if (sinks.length === 0) return 0;
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<StoredAuditRow>(
      `SELECT ${STORED_AUDIT_COLUMNS} FROM audit_events WHERE forwarded_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [batch],
    );
    if (rows.length === 0) return 0;
    const events: AuditEvent[] = rows.map((r) => ({
      seq: Number(r.seq),
      id: r.event_id,
      at: r.at.toISOString(),
      type: r.type,
      actorUid: r.actor_uid,
      requestId: r.request_id,
      data: { ...r.data, machineId: r.machine_id, user: r.user_name },
      deliveredAt: null,
    }));
    for (const sink of sinks) await sink.deliver(events);
    await tx.query('UPDATE audit_events SET forwarded_at = now() WHERE seq = ANY($1::bigint[])', [rows.map((r) => r.seq)]);
    log.debug({ count: rows.length }, 'audit forwarded');
    return rows.length;
  });
}
