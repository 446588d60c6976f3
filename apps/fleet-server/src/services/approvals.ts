import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import type { FileApprovalRequest, FleetApproval, FleetSentTo, RelayDecideRequest, RelayListRequest } from '../../../../shared/protocol/src/common/fleet.ts';
import type { ApprovalsListResult } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { inTransaction, type Db, type Tx } from '../db/pool.ts';
import { FleetError } from '../http/fleetError.ts';
import type { AuthenticatedMachine } from './machines.ts';
import { approvalJsonOf, approvalJsonSql, toApproval, type ApprovalJson, type ApprovalRow } from './approvalShape.ts';
import { actorMatch, rolesOf, type Role } from './approvers.ts';
import { auditServer } from './audit.ts';
import { CHANNELS, INLINE_EVENT_BYTES } from './channels.ts';

export interface ApprovalTimes {
  approvalTtlMs: number;
  escalatedTtlMs: number;
  usableMs: number;
}

/** The server's audit record of a change (type without the `fleet.` prefix; see auditServer). */
export interface ChangeAudit {
  type: string;
  data: Record<string, unknown>;
  user: string | null;
}

/**
 * The tail of a statement that records and announces an approval change, after a CTE `j` holding
 * the changed approval (machine_id, approval_id, doc as jsonb, json as its text): a durable event for
 * the requesting machine, the change's audit record, and one wake-up for every instance at COMMIT.
 * The wake-up carries the approval when it fits, so the instance holding the machine's stream sends
 * it without a read. The arguments are SQL expressions (parameters, mostly) for the audit record's
 * columns, the channel and the inline limit. The statement answers the approval's text.
 */
function announceFromJ(sql: { eventId: string; type: string; user: string; data: string; channel: string; inlineBytes: string }): string {
  return `e AS (INSERT INTO machine_events (machine_id, kind, payload) SELECT j.machine_id, 'approval.updated', j.doc FROM j RETURNING id, machine_id),
           au AS (INSERT INTO audit_events (machine_id, event_id, at, type, user_name, data)
                  SELECT j.machine_id, ${sql.eventId}, now(), ${sql.type}, ${sql.user}, ${sql.data} FROM j)
           SELECT j.json, pg_notify(${sql.channel}, e.machine_id || ':' || e.id || ':' || j.approval_id || ':' ||
                                    CASE WHEN octet_length(j.json) <= ${sql.inlineBytes} THEN j.json ELSE '' END)::text AS notified
           FROM j, e`;
}

/** An approval change made in `tx` announced by announceFromJ's statement, in the same transaction. */
export async function announce(tx: Tx, approval: FleetApproval, machineId: string, audit: ChangeAudit): Promise<void> {
  await tx.query({
    name: 'fleet-announce',
    text: `WITH j AS (SELECT $1::uuid AS machine_id, $2::text AS approval_id, $3::jsonb AS doc, $3::text AS json),
           ${announceFromJ({ eventId: '$4', type: '$5', user: '$6::text', data: '$7::jsonb', channel: '$8', inlineBytes: '$9' })}`,
    values: [
      machineId,
      approval.approvalId,
      JSON.stringify(approval),
      `server:${randomUUID()}`,
      `fleet.${audit.type}`,
      audit.user,
      JSON.stringify(audit.data),
      CHANNELS.machineEvent,
      INLINE_EVENT_BYTES,
    ],
  });
}

/**
 * Files a request for approvers on other machines. Idempotent by the agent's request id, so a retry
 * after a lost answer returns the same approval instead of filing a second one. The answer is the
 * approval with `sentTo` (who may decide it), serialized by PostgreSQL in the same statement.
 */
export async function fileApproval(
  db: Db,
  machine: AuthenticatedMachine,
  body: z.infer<typeof FileApprovalRequest>,
  times: ApprovalTimes,
  sentTo: FleetSentTo,
): Promise<ApprovalJson> {
  const approvalId = randomUUID();
  const audited = {
    approvalId,
    requestId: body.requestId,
    path: body.application.path,
    sha256: body.application.sha256,
    ...((body.quorum ?? 1) > 1 ? { quorum: body.quorum } : {}),
    ...(body.agentic ? { aiLikelihoodPercent: body.agentic.aiLikelihoodPercent } : {}),
  };
  // One statement (so one round trip and an implicit transaction): the row, its audit record (only
  // when the row was inserted), the approvers' queue hint at COMMIT, and the answer.
  const { rows } = await db.query<{ json: ApprovalJson }>({
    name: 'fleet-file-approval',
    text: `WITH ins AS (
             INSERT INTO approvals (approval_id, machine_id, request_id, group_name, status, requester_uid, requester_name, machine_name,
                                    application, working_directory, justification, matched_policies, expires_at, quorum, agentic, agentic_reported)
             VALUES ($1, $2, $3, $4, 'Pending', $5, $6, $7, $8, $9, $10, $11, now() + $12 * interval '1 millisecond', $13, $17, $18)
             ON CONFLICT (machine_id, request_id) DO NOTHING RETURNING *),
           a AS (INSERT INTO audit_events (machine_id, event_id, at, type, user_name, data)
                 SELECT ins.machine_id, $14, now(), 'fleet.approval.filed', ins.requester_name, $15::jsonb FROM ins)
           SELECT (${approvalJsonSql('ins')} || jsonb_build_object('sentTo', $19::jsonb))::text AS json, pg_notify($16, ins.approval_id::text)::text AS notified
           FROM ins`,
    values: [
      approvalId,
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
      body.quorum ?? 1,
      `server:${randomUUID()}`,
      JSON.stringify(audited),
      CHANNELS.queue,
      body.agentic ? JSON.stringify(body.agentic) : null,
      body.agentic !== undefined,
      JSON.stringify(sentTo),
    ],
  });
  if (rows[0]) return rows[0].json;
  // Filed before (a retry after a lost answer): ON CONFLICT waited for that insert's COMMIT, so the row is there.
  const existing = await db.query<ApprovalRow>('SELECT * FROM approvals WHERE machine_id = $1 AND request_id = $2', [machine.machineId, body.requestId]);
  const approval = toApproval(existing.rows[0]!);
  if (approval.application.path !== body.application.path || approval.requester.name !== body.requester.name) {
    throw new FleetError('request-conflict', `request ${body.requestId} was already filed with different details`);
  }
  return approvalJsonOf({ ...approval, sentTo });
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
 * One decision, whichever instance and approver come first. Most decisions are one statement
 * (decideAtOnce); what it does not take (a quorum's vote, a refusal to explain) goes through
 * decideLocked, which reads the row under its lock first.
 */
export async function decide(db: Db, relay: AuthenticatedMachine, body: z.infer<typeof RelayDecideRequest>, times: ApprovalTimes): Promise<ApprovalJson> {
  return (await decideAtOnce(db, relay, body, times)) ?? approvalJsonOf(await decideLocked(db, relay, body, times));
}

/**
 * The columns a decision sets, for both paths: $1 the approval, $2 its new status, $3–$5 who decided
 * and through which machine, $6 the reason, $7 how long an approval stays usable (ms; null for a denial).
 */
const DECISION_SET = `status = $2, decided_at = now(), decided_by_uid = $3, decided_by_name = $4, decided_by_machine = $5,
       decision_reason = $6, usable_until = CASE WHEN $7::bigint IS NULL THEN NULL ELSE now() + $7::bigint * interval '1 millisecond' END`;

/** The values of DECISION_SET's parameters $1–$7, in order. */
function decisionValues(relay: AuthenticatedMachine, body: z.infer<typeof RelayDecideRequest>, times: ApprovalTimes): unknown[] {
  const approve = body.decision === 'approve';
  const usableMs = approve ? Math.min(times.usableMs, (body.usableMinutes ?? Infinity) * 60_000) : null;
  return [body.approvalId, approve ? 'Approved' : 'Denied', body.actor.uid, body.actor.name, relay.machineId, body.reason ?? null, usableMs];
}

/**
 * A decision that ends the request (an approval needing one approver, or any denial) by an actor
 * who may make it, as one conditional UPDATE with its event, audit record and NOTIFY: an implicit
 * transaction, so the decision and its event commit together. A racing decision waits for the row
 * and then finds it no longer open (PostgreSQL re-checks the WHERE on the committed row), so only
 * one decides. Null when the row did not qualify, for whatever reason: decideLocked sorts it out.
 */
async function decideAtOnce(db: Db, relay: AuthenticatedMachine, body: z.infer<typeof RelayDecideRequest>, times: ApprovalTimes): Promise<ApprovalJson | null> {
  const approve = body.decision === 'approve';
  const { rows } = await db.query<{ json: ApprovalJson }>({
    name: 'fleet-decide-at-once',
    text: `WITH d AS (
             UPDATE approvals a SET ${DECISION_SET}
             WHERE a.approval_id = $1 AND a.status IN ('Pending', 'Escalated') AND a.expires_at > now()
               AND ($2 = 'Denied' OR a.quorum = 1) AND a.requester_name <> $4
               AND EXISTS (SELECT 1 FROM approvers r WHERE (r.group_name = a.group_name OR r.group_name IS NULL) AND ${actorMatch(4, 8, 9)}
                           AND (r.role <> 'secondaryApprover' OR a.status = 'Escalated'))
             RETURNING a.*),
           j AS (SELECT x.*, x.doc::text AS json FROM (SELECT d.machine_id, d.approval_id, d.request_id, ${approvalJsonSql('d')} AS doc FROM d) x),
           ${announceFromJ({
             eventId: '$10',
             type: '$11',
             user: '$4',
             data: `jsonb_build_object('approvalId', j.approval_id, 'requestId', j.request_id, 'relayedBy', $5::uuid, 'reason', $6::text)`,
             channel: '$12',
             inlineBytes: '$13',
           })}`,
    values: [
      ...decisionValues(relay, body, times),
      body.actor.groups,
      relay.group,
      `server:${randomUUID()}`,
      approve ? 'fleet.approval.approved' : 'fleet.approval.denied',
      CHANNELS.machineEvent,
      INLINE_EVENT_BYTES,
    ],
  });
  return rows[0]?.json ?? null;
}

/**
 * The decision under the row's lock: the row is locked, its state checked and changed in one
 * transaction, so a racing or replayed decision finds it decided (409). With a quorum, an approval
 * short of it is only added to the row's votes (announced, still Pending) and a repeat by the same
 * person changes nothing; the approval that reaches it, or any denial, decides.
 */
async function decideLocked(db: Db, relay: AuthenticatedMachine, body: z.infer<typeof RelayDecideRequest>, times: ApprovalTimes): Promise<FleetApproval> {
  const refuse = async (error: FleetError) => {
    await auditServer(
      db,
      'approval.decide.refused',
      { approvalId: body.approvalId, reason: error.code, decision: body.decision },
      { machineId: relay.machineId, user: body.actor.name },
    );
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
    if (!mayDecide(roles, row.status))
      return new FleetError('not-approver', `${body.actor.name} may decide only escalated requests of group ${row.group_name}`);
    const approve = body.decision === 'approve';
    // A quorum counts each person once (by name, the fleet's identity of a person); short of it the request stays open.
    const votes = approve && row.quorum > 1 ? row.votes : null;
    if (votes?.some((v) => v.by.name === body.actor.name)) return current;
    const counted = votes ? [...votes, { by: { uid: body.actor.uid, name: body.actor.name }, at: new Date().toISOString() }] : null;
    if (counted && counted.length < row.quorum) {
      const { rows: voted } = await tx.query<ApprovalRow>('UPDATE approvals SET votes = $2 WHERE approval_id = $1 RETURNING *', [
        body.approvalId,
        JSON.stringify(counted),
      ]);
      const approval = toApproval(voted[0]!);
      await announce(tx, approval, row.machine_id, {
        type: 'approval.partial',
        data: { approvalId: approval.approvalId, requestId: approval.requestId, relayedBy: relay.machineId, approvals: counted.length, required: row.quorum },
        user: body.actor.name,
      });
      return approval;
    }
    const { rows: updated } = await tx.query<ApprovalRow>(
      `UPDATE approvals SET ${DECISION_SET}, votes = COALESCE($8::jsonb, votes) WHERE approval_id = $1 RETURNING *`,
      [...decisionValues(relay, body, times), counted ? JSON.stringify(counted) : null],
    );
    const approval = toApproval(updated[0]!);
    await announce(tx, approval, row.machine_id, {
      type: approve ? 'approval.approved' : 'approval.denied',
      data: {
        approvalId: approval.approvalId,
        requestId: approval.requestId,
        relayedBy: relay.machineId,
        reason: body.reason ?? null,
        ...(counted ? { approvals: counted.length, required: row.quorum } : {}),
      },
      user: body.actor.name,
    });
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
      await announce(tx, approval, row.machine_id, {
        type: approval.status === 'Escalated' ? 'approval.escalated' : 'approval.expired',
        data: { approvalId: approval.approvalId, requestId: approval.requestId },
        user: row.requester_name,
      });
    }
    return rows.length;
  });
}
