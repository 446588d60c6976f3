import type * as z from 'zod';
import type { ApprovalRole } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { PrincipalName, type FleetSentTo } from '../../../../shared/protocol/src/common/fleet.ts';
import type { Db, Tx } from '../db/pool.ts';
import { FleetError } from '../http/fleetError.ts';
import { ensureGroup } from './tokens.ts';

export type Role = z.infer<typeof ApprovalRole>;
export interface ApproverBinding {
  group: string | null;
  kind: 'user' | 'group';
  principal: string;
  role: Role;
  /** Only machines of this deployment group may relay this approver (null: any registered machine). */
  relayGroup?: string | null;
}

/**
 * SQL condition: approver row `r` names the actor (bound as parameters, never spliced) by user name
 * or by one of its OS groups, and the relaying machine's group may speak for it.
 */
export function actorMatch(nameParam: number, groupsParam: number, relayGroupParam: number): string {
  return `((r.principal_kind = 'user' AND r.principal = $${nameParam}) OR (r.principal_kind = 'group' AND r.principal = ANY($${groupsParam}::text[])))
          AND (r.relay_group IS NULL OR r.relay_group = $${relayGroupParam})`;
}

export async function addApprover(db: Db, binding: ApproverBinding): Promise<void> {
  const name = PrincipalName.safeParse(binding.principal);
  if (!name.success) throw new FleetError('bad-request', `"${binding.principal}" is not a valid user or group name`);
  if (binding.role === 'administrator' ? binding.group !== null : binding.group === null) {
    throw new FleetError('bad-request', 'administrators hold every group; approvers and secondary approvers need --group');
  }
  if (binding.group !== null) await ensureGroup(db, binding.group);
  if (binding.relayGroup) await ensureGroup(db, binding.relayGroup);
  await db.query(
    `INSERT INTO approvers (group_name, principal_kind, principal, role, relay_group) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (group_name, principal_kind, principal, role) DO UPDATE SET relay_group = EXCLUDED.relay_group`,
    [binding.group, binding.kind, name.data, binding.role, binding.relayGroup ?? null],
  );
}

export async function removeApprover(db: Db, binding: ApproverBinding): Promise<boolean> {
  const { rowCount } = await db.query(
    'DELETE FROM approvers WHERE group_name IS NOT DISTINCT FROM $1 AND principal_kind = $2 AND principal = $3 AND role = $4',
    [binding.group, binding.kind, binding.principal, binding.role],
  );
  return (rowCount ?? 0) > 0;
}

export async function listApprovers(db: Db): Promise<ApproverBinding[]> {
  const { rows } = await db.query<{ group_name: string | null; principal_kind: 'user' | 'group'; principal: string; role: Role; relay_group: string | null }>(
    'SELECT group_name, principal_kind, principal, role, relay_group FROM approvers ORDER BY group_name NULLS FIRST, role, principal',
  );
  return rows.map((r) => ({ group: r.group_name, kind: r.principal_kind, principal: r.principal, role: r.role, relayGroup: r.relay_group }));
}

/** The roles an actor holds anywhere, relayed by a machine of `relayGroup` (what approvals.list reports). */
export async function rolesOf(db: Db | Tx, actor: { name: string; groups: readonly string[] }, relayGroup: string): Promise<Role[]> {
  const { rows } = await db.query<{ role: Role }>(`SELECT DISTINCT r.role FROM approvers r WHERE ${actorMatch(1, 2, 3)} ORDER BY r.role`, [
    actor.name,
    actor.groups,
    relayGroup,
  ]);
  return rows.map((r) => r.role);
}

/**
 * The names a requester's pending notice shows: who may decide a request of `group` while it is
 * pending (approvers and administrators) and once escalated (secondary approvers too), as the
 * server's decide() allows.
 */
export async function approverNames(db: Db | Tx, group: string): Promise<FleetSentTo> {
  const { rows } = await db.query<{ principal_kind: 'user' | 'group'; principal: string; role: Role }>(
    'SELECT DISTINCT principal_kind, principal, role FROM approvers WHERE group_name = $1 OR group_name IS NULL ORDER BY principal',
    [group],
  );
  const names = (roles: readonly Role[]) => {
    const picked = rows.filter((r) => roles.includes(r.role));
    return {
      users: [...new Set(picked.filter((r) => r.principal_kind === 'user').map((r) => r.principal))],
      groups: [...new Set(picked.filter((r) => r.principal_kind === 'group').map((r) => r.principal))],
    };
  };
  return { pending: names(['approver', 'administrator']), escalated: names(['approver', 'secondaryApprover', 'administrator']) };
}
