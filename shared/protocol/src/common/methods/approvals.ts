import * as z from 'zod';
import { defineNotification, defineRequest } from '../method.ts';
import { PolicyMatchSummary } from './elevation.ts';

export const ApprovalStatus = z.enum(['Pending', 'Approved', 'Denied', 'Escalated', 'Expired']);

/** An approval request as approvers see it (Keeper's approval record, plus what they need to decide). */
export const Approval = z.object({
  approvalId: z.string(),
  requestId: z.string(),
  status: ApprovalStatus,
  requester: z.object({ uid: z.number().int().nonnegative(), name: z.string().nullable() }),
  machine: z.string(),
  application: z.object({ path: z.string(), sha256: z.string().nullable(), commandLine: z.string() }),
  justification: z.string(),
  matchedPolicies: z.array(PolicyMatchSummary),
  createdAt: z.iso.datetime(),
  /** When a Pending request escalates (or expires, with no secondary approvers); when an Escalated one expires. */
  expiresAt: z.iso.datetime(),
  escalatedAt: z.iso.datetime().nullable(),
  decision: z
    .object({
      by: z.object({ uid: z.number().int().nonnegative(), name: z.string().nullable() }),
      at: z.iso.datetime(),
      reason: z.string().nullable(),
      /** An approved request can be used until then (once). */
      usableUntil: z.iso.datetime().nullable(),
    })
    .nullable(),
});
export type Approval = z.infer<typeof Approval>;
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

export const ApprovalRole = z.enum(['administrator', 'approver', 'secondaryApprover']);

export const ApprovalsListParams = z.object({ statuses: z.array(ApprovalStatus).min(1).optional() }).nullish();
export const ApprovalsListResult = z.object({ roles: z.array(ApprovalRole), approvals: z.array(Approval) });

export const ApprovalsDecideParams = z.object({
  approvalId: z.string().min(1).max(100),
  decision: z.enum(['approve', 'deny']),
  reason: z.string().trim().max(1000).optional(),
  /** A shorter grant window than the configured default (24 h), in minutes. */
  usableMinutes: z.number().int().min(1).max(7 * 24 * 60).optional(),
});

/** `approvals.list`: requests the caller may decide; needs an approver role. */
export const ApprovalsList = defineRequest('approvals.list', ApprovalsListParams, ApprovalsListResult);
/** `approvals.decide`: approve or deny once; a decided or expired request gets Conflict/Expired. */
export const ApprovalsDecide = defineRequest('approvals.decide', ApprovalsDecideParams, Approval);
/** `approvals.changed`: pushed to approvers' connections when a request appears or changes. */
export const ApprovalsChanged = defineNotification('approvals.changed', Approval);
