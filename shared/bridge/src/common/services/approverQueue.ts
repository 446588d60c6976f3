import * as z from 'zod';
import {
  Approval,
  ApprovalRole,
  ApprovalsDecideParams,
  ApprovalsOfflineResponseParams,
  ApprovalsOfflineResponseResult,
} from '../../../../protocol/src/common/methods/approvals.ts';
import { call, defineService, stream } from '../serviceDescriptor.ts';

/**
 * Where the approver's queue stands: `loading` until the agent answered, `ready` with every request
 * this user may see, `not-approver` when the agent refused the approver role (the window says why),
 * `unavailable` while the agent is away (the last list stays, marked stale).
 */
export const ApproverQueueState = z.enum(['loading', 'ready', 'not-approver', 'unavailable']);
export type ApproverQueueState = z.infer<typeof ApproverQueueState>;

export const ApproverQueueView = z.object({
  state: ApproverQueueState,
  roles: z.array(ApprovalRole),
  /** The desktop session's user, so the window can mark the approver's own requests. */
  self: z.object({ uid: z.number().int().nonnegative().nullable() }),
  approvals: z.array(Approval),
  /** The agent's refusal or the link problem, in English for the details line. */
  problem: z.string().nullable(),
});
export type ApproverQueueView = z.infer<typeof ApproverQueueView>;

/** Why a decision did not go through, as the window tells the approver (bridge errors carry only a message). */
export const DecisionProblem = z.enum(['already-decided', 'expired', 'not-allowed', 'not-found', 'unavailable']);
export type DecisionProblem = z.infer<typeof DecisionProblem>;

export const DecisionOutcome = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), approval: Approval }),
  /** `approval` is the request as it stands now when the agent sent it (decided by someone else). */
  z.object({ ok: z.literal(false), approvalId: z.string(), reason: DecisionProblem, message: z.string(), approval: Approval.nullable() }),
]);
export type DecisionOutcome = z.infer<typeof DecisionOutcome>;

/** An offline machine's challenge turned into a response, or why not (the window words `reason`). */
export const OfflineResponseOutcome = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), ...ApprovalsOfflineResponseResult.shape }),
  z.object({ ok: z.literal(false), reason: z.enum(['not-allowed', 'not-found', 'invalid', 'unavailable']), message: z.string() }),
]);
export type OfflineResponseOutcome = z.infer<typeof OfflineResponseOutcome>;

export const ApproverSettings = z.object({ toasts: z.boolean() });
export type ApproverSettings = z.infer<typeof ApproverSettings>;

/**
 * The approver queue window's service: the live list (first the agent's `approvals.list`, then
 * every `approvals.changed`), decisions forwarded to `approvals.decide` as this desktop's user, and
 * the approver's toast setting. Main decides nothing: the agent checks roles and single decisions.
 */
export const ApproverQueueService = defineService('keeper.approverQueue', {
  queue$: stream(z.tuple([]), ApproverQueueView),
  decide: call(z.tuple([ApprovalsDecideParams]), DecisionOutcome),
  /** Several requests with one confirmation: each is decided on its own and reports its own outcome. */
  decideMany: call(z.tuple([z.array(ApprovalsDecideParams).min(1).max(500)]), z.array(DecisionOutcome)),
  /** Signed offline approval: the response to a challenge read out by a requester whose machine is offline. */
  offlineResponse: call(z.tuple([ApprovalsOfflineResponseParams]), OfflineResponseOutcome),
  settings$: stream(z.tuple([]), ApproverSettings),
  setToasts: call(z.tuple([z.boolean()]), ApproverSettings),
});
