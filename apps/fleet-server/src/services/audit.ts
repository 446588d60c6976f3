import { randomUUID } from 'node:crypto';
import type { FleetAuditEvent } from '../../../../shared/protocol/src/common/fleet.ts';
import type { Db, Tx } from '../db/pool.ts';

/** What the server itself audits (refusals, registrations, decisions); machine is who it concerns. */
export async function auditServer(
  db: Db | Tx,
  type: string,
  data: Record<string, unknown>,
  who: { machineId?: string | null; user?: string | null } = {},
): Promise<void> {
  await db.query({
    name: 'fleet-audit-server',
    text: 'INSERT INTO audit_events (machine_id, event_id, at, type, user_name, data) VALUES ($1, $2, now(), $3, $4, $5)',
    values: [who.machineId ?? null, `server:${randomUUID()}`, `fleet.${type}`, who.user ?? null, JSON.stringify(data)],
  });
}

/**
 * Stores a batch from one machine; an event id seen before (a retry after a lost answer, a replay
 * after kill -9) is skipped, so each event is kept exactly once, and the first copy stands: a
 * machine cannot re-hash what the server already holds. The chain fields are kept as sent, the
 * `at` text too (the hash covers the text, not the instant). The first audit checkpoint a machine
 * sends pins its audit signing key (`audit verify` checks every later one against it).
 */
export async function ingestAudit(db: Db, machineId: string, events: readonly FleetAuditEvent[]): Promise<{ accepted: number; duplicates: number }> {
  const { rowCount } = await db.query(
    `INSERT INTO audit_events (machine_id, event_id, at, type, actor_uid, user_name, request_id, data, chain_seq, chain_at, prev_hash, hash)
     SELECT $1, e.id, e.at::timestamptz, e.type, e."actorUid", e.data->>'user', e."requestId", e.data, e.seq, e.at, e."prevHash", e.hash
     FROM jsonb_to_recordset($2::jsonb) AS e(id text, at text, type text, "actorUid" integer, "requestId" text, data jsonb, seq bigint, "prevHash" text, hash text)
     ON CONFLICT (machine_id, event_id) DO NOTHING`,
    [machineId, JSON.stringify(events)],
  );
  const accepted = rowCount ?? 0;
  const checkpoint = events.find((e) => e.type === 'audit.checkpoint' && typeof e.data.publicKey === 'string');
  if (checkpoint) {
    const pinned = await db.query('UPDATE machines SET audit_public_key = $2, audit_key_pinned_at = now() WHERE machine_id = $1 AND audit_public_key IS NULL', [
      machineId,
      checkpoint.data.publicKey,
    ]);
    if (pinned.rowCount) await auditServer(db, 'machine.audit-key-pinned', { publicKey: checkpoint.data.publicKey, fromEvent: checkpoint.id }, { machineId });
  }
  return { accepted, duplicates: events.length - accepted };
}

export interface AuditRow {
  seq: number;
  machineId: string | null;
  eventId: string;
  at: string;
  type: string;
  actorUid: number | null;
  user: string | null;
  requestId: string | null;
  data: Record<string, unknown>;
}

export interface AuditFilter {
  machineId?: string | undefined;
  user?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  afterSeq?: number | undefined;
  limit?: number | undefined;
}

/** An audit_events row as stored, and the columns that read it. */
export interface StoredAuditRow {
  seq: string;
  machine_id: string | null;
  event_id: string;
  at: Date;
  type: string;
  actor_uid: number | null;
  user_name: string | null;
  request_id: string | null;
  data: Record<string, unknown>;
}
export const STORED_AUDIT_COLUMNS = 'seq, machine_id, event_id, at, type, actor_uid, user_name, request_id, data';

export async function queryAudit(db: Db, filter: AuditFilter): Promise<AuditRow[]> {
  const { rows } = await db.query<StoredAuditRow>(
    `SELECT ${STORED_AUDIT_COLUMNS} FROM audit_events
     WHERE ($1::uuid IS NULL OR machine_id = $1) AND ($2::text IS NULL OR user_name = $2)
       AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4) AND seq > $5
     ORDER BY seq LIMIT $6`,
    [filter.machineId ?? null, filter.user ?? null, filter.since ?? null, filter.until ?? null, filter.afterSeq ?? 0, Math.min(filter.limit ?? 1000, 10_000)],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    machineId: r.machine_id,
    eventId: r.event_id,
    at: r.at.toISOString(),
    type: r.type,
    actorUid: r.actor_uid,
    user: r.user_name,
    requestId: r.request_id,
    data: r.data,
  }));
}
