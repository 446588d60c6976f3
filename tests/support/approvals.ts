import { expect } from 'vitest';
import { ApprovalsList, type Approval, type ApprovalStatus } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';

/** The request's approval as the approvers' list shows it now (with `statuses`, among those only). */
export async function listedApproval(approver: AgentClient, requestId: string, statuses?: ApprovalStatus[]): Promise<Approval | undefined> {
  return (await approver.request(ApprovalsList, statuses ? { statuses } : undefined)).approvals.find((a) => a.requestId === requestId);
}

/**
 * Waits until the approvers' list shows the request's approval (with `statuses`, in one of those),
 * and returns it as listed then, whatever its status.
 */
export async function approvalOf(approver: AgentClient, requestId: string, options: { statuses?: ApprovalStatus[]; timeout?: number } = {}): Promise<Approval> {
  await expect.poll(async () => (await listedApproval(approver, requestId, options.statuses)) !== undefined, { timeout: options.timeout ?? 5_000 }).toBe(true);
  return (await listedApproval(approver, requestId))!;
}
