import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import type { FileApprovalRequest, FleetApproval, RelayDecideRequest, RelayListRequest } from '../../../../shared/protocol/src/common/fleet.ts';
import type { ApprovalsListResult } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { inTransaction, type Db, type Tx } from '../db/pool.ts';
import { FleetError } from '../http/fleetError.ts';
import type { AuthenticatedMachine } from './machines.ts';
import { actorMatch, rolesOf, type Role } from './approvers.ts';
import { auditServer } from './audit.ts';
import { CHANNELS, notify } from './channels.ts';

export interface ApprovalTimes {
  approvalTtlMs: number;
  escalatedTtlMs: number;
  usableMs: number;
}

interface ApprovalRow {
  approval_id: string;
  request_id: string;
  machine_id: string;
  group_name: string;
  status: FleetApproval['status'];
  requester_uid: number;
  requester_name: string;
  machine_name: string;
  application: FleetApproval['application'];
  working_directory: string;
  justification: string;
  matched_policies: FleetApproval['matchedPolicies'];
  created_at: Date;
  expires_at: Date;
  escalated_at: Date | null;
  decided_at: Date | null;
  decided_by_uid: number | null;
  decided_by_name: string | null;
  decision_reason: string | null;
  usable_until: Date | null;
}

export function toApproval(r: ApprovalRow): FleetApproval {
  return {
    approvalId: r.approval_id,
    requestId: r.request_id,
    status: r.status,
    requester: { uid: r.requester_uid, name: r.requester_name },
    machine: r.machine_name,
    application: r.application,
    // The approver's window reads `cwd` (the agent protocol's field); a relayed list keeps only Approval's fields.
    cwd: r.working_directory,
    justification: r.justification,
    matchedPolicies: r.matched_policies,
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    escalatedAt: r.escalated_at?.toISOString() ?? null,
    decision:
      r.decided_at && r.decided_by_name !== null
        ? { by: { uid: r.decided_by_uid ?? 0, name: r.decided_by_name }, at: r.decided_at.toISOString(), reason: r.decision_reason, usableUntil: r.usable_until?.toISOString() ?? null }
        : null,
    mfa: null,
    group: r.group_name,
    workingDirectory: r.working_directory,
  };
}

/** A durable event for the requesting machine plus the wake-ups for every instance, all at COMMIT. */
async function announce(tx: Tx, approval: FleetApproval, machineId: string): Promise<void> {
  await tx.query(
    `WITH e AS (INSERT INTO machine_events (machine_id, kind, payload) VALUES ($1, 'approval.updated', $2) RETURNING id, machine_id)
     SELECT pg_notify($3, e.machine_id || ':' || e.id), pg_notify($4, $5) FROM e`,
    [machineId, JSON.stringify(approval), CHANNELS.machineEvent, CHANNELS.queue, approval.approvalId],
  );
}

/**
 * Files a request for approvers on other machines. Idempotent by the agent's request id, so a retry
 * after a lost answer returns the same approval instead of filing a second one.
 */
export async function fileApproval(db: Db, machine: AuthenticatedMachine, body: z.infer<typeof FileApprovalRequest>, times: ApprovalTimes): Promise<FleetApproval> {
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<ApprovalRow>(
      `INSERT INTO approvals (approval_id, machine_id, request_id, group_name, status, requester_uid, requester_name, machine_name,
                              application, working_directory, justification, matched_policies, expires_at)
       VALUES ($1, $2, $3, $4, 'Pending', $5, $6, $7, $8, $9, $10, $11, now() + $12 * interval '1 millisecond')
       ON CONFLICT (machine_id, request_id) DO NOTHING RETURNING *`,
      [
        randomUUID(),
        machine.machineId,
        body.requestId,
        machine.group,
        body.requester.uid,
        body.requester.name,
        machine.hostname,
        JSON.stringify(body.application),
        body.workingDirectory,
        body.justification,
        JSON.stringify(body.matchedPolicies),
        times.approvalTtlMs,
      ],
    );
    if (rows[0]) {
      const approval = toApproval(rows[0]);
      await auditServer(tx, 'approval.filed', { approvalId: approval.approvalId, requestId: body.requestId, path: body.application.path, sha256: body.application.sha256 }, { machineId: machine.machineId, user: body.requester.name });
      await notify(tx, CHANNELS.queue, approval.approvalId);
      return approval;
    }
    const existing = await tx.query<ApprovalRow>('SELECT * FROM approvals WHERE machine_id = $1 AND request_id = $2', [machine.machineId, body.requestId]);
    const approval = toApproval(existing.rows[0]!);
    if (approval.application.path !== body.application.path || approval.requester.name !== body.requester.name) {
      throw new FleetError('request-conflict', `request ${body.requestId} was already filed with different details`);
    }
    return approval;
  });
}

/** The requesting machine reads its own request (never another machine's). */
export async function approvalOfRequest(db: Db, machineId: string, requestId: string): Promise<FleetApproval> {
  const { rows } = await db.query<ApprovalRow>('SELECT * FROM approvals WHERE machine_id = $1 AND request_id = $2', [machineId, requestId]);
  if (!rows[0]) throw new FleetError('not-found', `no request ${requestId} was filed by this machine`);
  return toApproval(rows[0]);
}

export async function listForActor(db: Db, relay: AuthenticatedMachine, body: z.infer<typeof RelayListRequest>): Promise<z.infer<typeof ApprovalsListResult>> {
  const roles = await rolesOf(db, body.actor, relay.group);
  if (roles.length === 0) throw new FleetError('not-approver', `${body.actor.name} holds no approver role in this fleet`);
  const limit = body.limit ?? 200;
  const offset = body.offset ?? 0;
  const { rows } = await db.query<ApprovalRow>(
    `SELECT a.* FROM approvals a
     WHERE EXISTS (SELECT 1 FROM approvers r WHERE (r.group_name = a.group_name OR r.group_name IS NULL) AND ${actorMatch(1, 2, 6)})
       AND ($3::text[] IS NULL OR a.status = ANY($3))
     ORDER BY a.created_at DESC, a.approval_id LIMIT $4 OFFSET $5`,
    [body.actor.name, body.actor.groups, body.statuses ?? null, limit + 1, offset, relay.group],
  );
  const page = rows.slice(0, limit).map((r) => toApproval(r));
  return { roles, approvals: page, nextOffset: rows.length > limit ? offset + limit : null };
}

const OPEN = new Set<FleetApproval['status']>(['Pending', 'Escalated']);

/** Who may decide a request in this state: a pending one its group's approvers, an escalated one also the secondary. */
function mayDecide(roles: readonly Role[], status: FleetApproval['status']): boolean {
  if (roles.includes('administrator') || roles.includes('approver')) return true;
  return status === 'Escalated' && roles.includes('secondaryApprover');
}

/**
 * One decision, whichever instance and approver come first: the row is locked, its state checked
 * and changed in one transaction, so a racing or replayed decision finds it decided (409).
 */
export async function decide(db: Db, relay: AuthenticatedMachine, body: z.infer<typeof RelayDecideRequest>, times: ApprovalTimes): Promise<FleetApproval> {
  const refuse = async (error: FleetError) => {
    await auditServer(db, 'approval.decide.refused', { approvalId: body.approvalId, reason: error.code, decision: body.decision }, { machineId: relay.machineId, user: body.actor.name });
    return error;
  };
  const outcome = await inTransaction(db, async (tx) => {
    // The row is locked (racing deciders queue here) and the actor's roles for its group read in one go.
    const { rows } = await tx.query<ApprovalRow & { expired: boolean; roles: Role[] }>(
      `SELECT a.*, a.expires_at <= now() AS expired,
              ARRAY(SELECT DISTINCT r.role FROM approvers r WHERE (r.group_name = a.group_name OR r.group_name IS NULL) AND ${actorMatch(2, 3, 4)}) AS roles
       FROM approvals a WHERE a.approval_id = $1 FOR UPDATE OF a`,
      [body.approvalId, body.actor.name, body.actor.groups, relay.group],
    );
    const row = rows[0];
    if (!row) return new FleetError('not-found', `no approval ${body.approvalId}`);
    const roles = row.roles;
    if (roles.length === 0) return new FleetError('not-approver', `${body.actor.name} is not an approver of group ${row.group_name}`);
    if (row.requester_name === body.actor.name) return new FleetError('own-request', 'nobody approves their own request');
    const current = toApproval(row);
    if (!OPEN.has(row.status)) return new FleetError('approval-decided', `approval ${body.approvalId} is already ${row.status}`, current);
    if (row.expired) return new FleetError('approval-expired', `approval ${body.approvalId} has expired`, current);
    if (!mayDecide(roles, row.status)) return new FleetError('not-approver', `${body.actor.name} may decide only escalated requests of group ${row.group_name}`);
    const approve = body.decision === 'approve';
    const usableMs = approve ? Math.min(times.usableMs, (body.usableMinutes ?? Infinity) * 60_000) : null;
    const { rows: updated } = await tx.query<ApprovalRow>(
      `UPDATE approvals SET status = $2, decided_at = now(), decided_by_uid = $3, decided_by_name = $4, decided_by_machine = $5,
              decision_reason = $6, usable_until = CASE WHEN $7::bigint IS NULL THEN NULL ELSE now() + $7::bigint * interval '1 millisecond' END
       WHERE approval_id = $1 RETURNING *`,
      [body.approvalId, approve ? 'Approved' : 'Denied', body.actor.uid, body.actor.name, relay.machineId, body.reason ?? null, usableMs],
    );
    const approval = toApproval(updated[0]!);
    await announce(tx, approval, row.machine_id);
    await auditServer(tx, approve ? 'approval.approved' : 'approval.denied', { approvalId: approval.approvalId, requestId: approval.requestId, relayedBy: relay.machineId, reason: body.reason ?? null }, { machineId: row.machine_id, user: body.actor.name });
    return approval;
  });
  if (outcome instanceof FleetError) throw await refuse(outcome);
  return outcome;
}

/**
 * The timers, run by every instance: a due Pending request escalates (when its group has secondary
 * approvers) or expires; a due Escalated one expires. SKIP LOCKED hands each due row to one
 * instance, and the state check makes a transition happen once.
 */
export async function sweepDue(db: Db, times: ApprovalTimes, batch = 200): Promise<number> {
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<ApprovalRow>(
      `WITH due AS (
         SELECT a.approval_id, a.status = 'Pending' AND EXISTS (
                  SELECT 1 FROM approvers r WHERE r.group_name = a.group_name AND r.role = 'secondaryApprover') AS escalate
         FROM approvals a WHERE a.status IN ('Pending', 'Escalated') AND a.expires_at <= now()
         ORDER BY a.expires_at LIMIT $2 FOR UPDATE OF a SKIP LOCKED)
       UPDATE approvals a SET
         status = CASE WHEN due.escalate THEN 'Escalated' ELSE 'Expired' END,
         escalated_at = CASE WHEN due.escalate THEN now() ELSE a.escalated_at END,
         expires_at = CASE WHEN due.escalate THEN now() + $1 * interval '1 millisecond' ELSE a.expires_at END
       FROM due WHERE a.approval_id = due.approval_id RETURNING a.*`,
      [times.escalatedTtlMs, batch],
    );
    for (const row of rows) {
      const approval = toApproval(row);
      await announce(tx, approval, row.machine_id);
      await auditServer(tx, approval.status === 'Escalated' ? 'approval.escalated' : 'approval.expired', { approvalId: approval.approvalId, requestId: approval.requestId }, { machineId: row.machine_id, user: row.requester_name });
    }
    return rows.length;
  });
}

