import type { FleetApproval } from '../../../../shared/protocol/src/common/fleet.ts';
import type { AgenticDetection } from '../../../../shared/protocol/src/common/methods/agentic.ts';
import type { QuorumVote } from '../../../../shared/protocol/src/common/methods/approvals.ts';

/** An `approvals` row as PostgreSQL returns it. */
export interface ApprovalRow {
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
  quorum: number;
  votes: QuorumVote[];
  agentic: AgenticDetection | null;
  agentic_reported: boolean;
}

/** An approval serialized once (by PostgreSQL, or from toApproval) and sent to the agent as it is. */
export type ApprovalJson = string & { readonly __approvalJson: true };

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
        ? {
            by: { uid: r.decided_by_uid ?? 0, name: r.decided_by_name },
            at: r.decided_at.toISOString(),
            reason: r.decision_reason,
            usableUntil: r.usable_until?.toISOString() ?? null,
          }
        : null,
    mfa: null,
    ...(r.quorum > 1 ? { quorum: { required: r.quorum, approvals: r.votes } } : {}),
    // Unreported (an older agent) stays absent, so the approver's window does not claim "none detected".
    ...(r.agentic_reported ? { agentic: r.agentic } : {}),
    group: r.group_name,
    workingDirectory: r.working_directory,
  };
}

export function approvalJsonOf(approval: FleetApproval): ApprovalJson {
  return JSON.stringify(approval) as ApprovalJson;
}

/** Date.toISOString() in SQL: UTC, milliseconds truncated as pg's Date parsing truncates them. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * toApproval in SQL (a jsonb expression over the approvals row `a`), for the statements that write
 * the approval's event and answer with it without a round trip through JavaScript. The two must
 * agree field for field: tests/fleet/approvalShape.test.ts compares them on every kind of row.
 */
export function approvalJsonSql(a: string): string {
  return `(jsonb_build_object(
      'approvalId', ${a}.approval_id, 'requestId', ${a}.request_id, 'status', ${a}.status,
      'requester', jsonb_build_object('uid', ${a}.requester_uid, 'name', ${a}.requester_name),
      'machine', ${a}.machine_name, 'application', ${a}.application, 'cwd', ${a}.working_directory,
      'justification', ${a}.justification, 'matchedPolicies', ${a}.matched_policies,
      'createdAt', ${iso(`${a}.created_at`)}, 'expiresAt', ${iso(`${a}.expires_at`)}, 'escalatedAt', ${iso(`${a}.escalated_at`)},
      'decision', CASE WHEN ${a}.decided_at IS NOT NULL AND ${a}.decided_by_name IS NOT NULL THEN jsonb_build_object(
        'by', jsonb_build_object('uid', COALESCE(${a}.decided_by_uid, 0), 'name', ${a}.decided_by_name),
        'at', ${iso(`${a}.decided_at`)}, 'reason', ${a}.decision_reason, 'usableUntil', ${iso(`${a}.usable_until`)}) END,
      'mfa', NULL::jsonb, 'group', ${a}.group_name, 'workingDirectory', ${a}.working_directory)
    || CASE WHEN ${a}.quorum > 1 THEN jsonb_build_object('quorum', jsonb_build_object('required', ${a}.quorum, 'approvals', ${a}.votes)) ELSE '{}'::jsonb END
    || CASE WHEN ${a}.agentic_reported THEN jsonb_build_object('agentic', ${a}.agentic) ELSE '{}'::jsonb END)`;
}
