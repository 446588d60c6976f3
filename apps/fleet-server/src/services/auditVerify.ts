import { verifyChain, type ChainedEvent, type Checkpoint, type VerifyResult } from '../../../agent-service/src/audit/chainVerifier.ts';
import type { Db } from '../db/pool.ts';
import { FleetError } from '../http/fleetError.ts';

export interface MachineAuditVerdict {
  machineId: string;
  hostname: string;
  /** The key the checkpoints were checked against, and where it came from. */
  key: { publicKey: string; source: 'pinned' | 'given'; pinnedAt: string | null } | null;
  /** Events of this machine stored without chain fields (sent by an agent older than the chain). */
  unchained: number;
  result: VerifyResult;
}

/**
 * Proves the server's copy of one machine's audit log with the agent's own verifier (the same
 * walk as `keeper-agent audit verify`, docs/audit.md): the chain in seq order, then each
 * `audit.checkpoint` event's signature against the machine's pinned key (or `publicKey`).
 * The server's copy is what an attacker on the machine cannot re-sign afterwards.
 */
export async function verifyMachineAudit(db: Db, machine: string, publicKey?: string): Promise<MachineAuditVerdict> {
  const { rows: found } = await db.query<{ machine_id: string; hostname: string; audit_public_key: string | null; audit_key_pinned_at: Date | null }>(
    'SELECT machine_id, hostname, audit_public_key, audit_key_pinned_at FROM machines WHERE machine_id::text = $1 OR lower(hostname) = lower($1) ORDER BY registered_at DESC',
    [machine],
  );
  if (found.length === 0) throw new FleetError('not-found', `no machine ${machine} is registered`);
  if (found.length > 1 && found[0]!.machine_id !== machine)
    throw new FleetError('bad-request', `${found.length} machines are named ${machine}; give the machine id (keeper-fleet machine list)`);
  const target = found[0]!;
  const { rows } = await db.query<{
    chain_seq: string;
    event_id: string;
    chain_at: string;
    type: string;
    actor_uid: number | null;
    request_id: string | null;
    data: Record<string, unknown>;
    prev_hash: string;
    hash: string;
  }>(
    `SELECT chain_seq, event_id, chain_at, type, actor_uid, request_id, data, prev_hash, hash FROM audit_events
     WHERE machine_id = $1 AND chain_seq IS NOT NULL ORDER BY chain_seq`,
    [target.machine_id],
  );
  const { rows: counted } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM audit_events WHERE machine_id = $1 AND chain_seq IS NULL AND event_id NOT LIKE 'server:%'",
    [target.machine_id],
  );
  const events: ChainedEvent[] = rows.map((r) => ({
    seq: Number(r.chain_seq),
    id: r.event_id,
    at: r.chain_at,
    type: r.type,
    actorUid: r.actor_uid,
    requestId: r.request_id,
    data: r.data,
    prevHash: r.prev_hash,
    hash: r.hash,
  }));
  const checkpoints: Checkpoint[] = events.filter((e) => e.type === 'audit.checkpoint').map((e) => e.data as Checkpoint);
  const key = publicKey ?? target.audit_public_key;
  return {
    machineId: target.machine_id,
    hostname: target.hostname,
    key:
      key === null
        ? null
        : { publicKey: key, source: publicKey ? 'given' : 'pinned', pinnedAt: publicKey ? null : (target.audit_key_pinned_at?.toISOString() ?? null) },
    unchained: counted[0]!.n,
    result: verifyChain(events, checkpoints, key),
  };
}
