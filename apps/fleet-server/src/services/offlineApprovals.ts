import type { OfflineResponseResult } from '../../../../shared/protocol/src/common/fleet.ts';
import { formatOfflineCode, normalizeOfflineCode, offlineResponse } from '../../../../shared/protocol/src/node/offlineApprovalCode.ts';
import type { Db } from '../db/pool.ts';
import { FleetError } from '../http/fleetError.ts';
import { auditServer } from './audit.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who asks, and through what: an approver's own agent (its machine's group limits relayed bindings) or the server's CLI. */
export interface OfflineRequester {
  readonly actor: { readonly name: string; readonly groups: readonly string[] };
  /** The relaying machine; null for `keeper-fleet approve-offline`, which runs with the database's own credentials. */
  readonly relay: { readonly machineId: string; readonly group: string } | null;
}

/**
 * The response to an offline machine's challenge. Only an approver or administrator of that
 * machine's deployment group gets one (secondary approvers decide escalations, which an offline
 * request never reaches); every issued response and every refusal is audited with the challenge,
 * so the fleet's audit says who let which request run even before the machine reconnects.
 */
export async function issueOfflineResponse(db: Db, who: OfflineRequester, machine: string, challengeText: string): Promise<OfflineResponseResult> {
  const challenge = normalizeOfflineCode(challengeText);
  const via = who.relay ? { relayedBy: who.relay.machineId } : { via: 'cli' };
  if (challenge === null) throw new FleetError('bad-request', 'the challenge is 10 characters (letters and digits, dashes and spaces ignored)');
  const { rows } = await db.query<{ machine_id: string; hostname: string; group_name: string; offline_key: Buffer | null }>(
    `SELECT machine_id, hostname, group_name, offline_key FROM machines
     WHERE revoked_at IS NULL AND (machine_id::text = $1 OR ($2 AND lower(hostname) = lower($1)))`,
    [machine, !UUID.test(machine)],
  );
  if (rows.length === 0) throw new FleetError('not-found', `no active machine "${machine}" (see keeper-fleet machine list)`);
  if (rows.length > 1) throw new FleetError('bad-request', `several machines are named "${machine}": give its machine id (see keeper-fleet machine list)`);
  const target = rows[0]!;
  const { rows: roles } = await db.query<{ role: string }>(
    `SELECT DISTINCT r.role FROM approvers r
     WHERE (r.group_name = $3 OR r.group_name IS NULL) AND r.role IN ('approver', 'administrator')
       AND ((r.principal_kind = 'user' AND r.principal = $1) OR (r.principal_kind = 'group' AND r.principal = ANY($2::text[])))
       AND (r.relay_group IS NULL OR $4::text IS NULL OR r.relay_group = $4)`,
    [who.actor.name, who.actor.groups, target.group_name, who.relay ? who.relay.group : null],
  );
  const audited = { machine: target.hostname, challenge, ...via };
  if (roles.length === 0) {
    await auditServer(db, 'approval.offline.refused', { ...audited, reason: 'not-approver' }, { machineId: target.machine_id, user: who.actor.name });
    throw new FleetError('not-approver', `${who.actor.name} is not an approver of group ${target.group_name}, which ${target.hostname} belongs to`);
  }
  if (!target.offline_key) {
    throw new FleetError('not-found', `${target.hostname} registered without an offline-approval key (register it again with a current agent)`);
  }
  const response = offlineResponse(target.offline_key, target.machine_id, challenge, who.actor.name);
  await auditServer(db, 'approval.offline.issued', audited, { machineId: target.machine_id, user: who.actor.name });
  return { response: formatOfflineCode(response), approver: who.actor.name, machine: target.hostname, machineId: target.machine_id };
}
