import type { FleetApproval } from '../../../../shared/protocol/src/common/fleet.ts';
import { inTransaction, type Db } from '../db/pool.ts';
import { FleetError } from '../http/fleetError.ts';
import { announce } from './approvals.ts';
import { toApproval, type ApprovalRow } from './approvalShape.ts';

/** The agent's own reason for a withdrawn request (its statuses are fixed, so it ends Expired). */
export const WITHDRAWN_REASON = 'withdrawn by the requester';

/**
 * The requesting machine takes back its open request (Ctrl+C, or the requester's withdraw): it
 * ends Expired with WITHDRAWN_REASON, so no approver can decide it any more, and every approver's
 * queue hears of it at COMMIT. A request already decided or expired is returned as it stands
 * (a decision that won the race is what the requester must learn); a retry changes nothing.
 */
export async function withdrawApproval(db: Db, machineId: string, requestId: string): Promise<FleetApproval> {
  return inTransaction(db, async (tx) => {
    const { rows } = await tx.query<ApprovalRow>(
      `UPDATE approvals SET status = 'Expired', decided_at = now(), decided_by_uid = requester_uid, decided_by_name = requester_name,
              decided_by_machine = machine_id, decision_reason = $3
       WHERE machine_id = $1 AND request_id = $2 AND status IN ('Pending', 'Escalated') RETURNING *`,
      [machineId, requestId, WITHDRAWN_REASON],
    );
    if (rows[0]) {
      const approval = toApproval(rows[0]);
      await announce(tx, approval, machineId, {
        type: 'approval.withdrawn',
        data: { approvalId: approval.approvalId, requestId },
        user: approval.requester.name,
      });
      return approval;
    }
    const { rows: current } = await tx.query<ApprovalRow>('SELECT * FROM approvals WHERE machine_id = $1 AND request_id = $2', [machineId, requestId]);
    if (!current[0]) throw new FleetError('not-found', `no request ${requestId} was filed by this machine`);
    return toApproval(current[0]);
  });
}
