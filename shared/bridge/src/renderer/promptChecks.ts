import type { PromptRespondResult } from '../../../protocol/src/common/methods/prompt.ts';
import type { PromptQueueView } from '../common/services/prompts.ts';
import {
  array,
  boolean,
  isoDateTime,
  nullable,
  number,
  object,
  oneOf,
  optional,
  orElse,
  string,
  tagged,
  type Check,
  type Shape,
} from '../../../protocol/src/common/plainChecks.ts';

/**
 * What a prompt window reads from main, checked without zod: its kind's queue and the result of an
 * answer. Each mirrors the zod schema named beside it, rule for rule; promptChecks.test.ts holds them
 * to it (the same cases through both, the same answers) and the reason codes below to the protocol's.
 */

/* elevation.ts: ReasonDetail, as ReceivedReasonDetail reads it (an unknown or malformed one is absent). */
const text = string({ max: 4096 });
const controls = array(oneOf(['ALLOW', 'DENY', 'NOTIFY', 'MFA', 'JUSTIFY', 'APPROVAL', 'AUDIT', 'RECORD', 'OPERATORAPPROVAL']));
const count = number({ int: true, min: 0 });
const promptFailures = (prompt: string): Record<string, Shape> => ({
  [`${prompt}-abandoned`]: {},
  [`${prompt}-cancelled`]: {},
  [`${prompt}-expired`]: {},
  [`${prompt}-undeliverable`]: { user: text },
});
/** Every reason code with the values its sentence takes. */
export const REASON_VALUES: Record<string, Shape> = {
  'policy-allow': {},
  'policy-controls': { controls },
  'policy-deny': { policy: text },
  'policy-deny-message': { policy: text, message: text },
  'default-deny': {},
  'default-allow': {},
  'offline-needs-network': { controls },
  'elevated-session': { policy: text, until: isoDateTime },
  redirected: { executable: text, target: text },
  'redirect-failed': { executable: text, target: text, error: text },
  ...promptFailures('justification'),
  'justification-wrong-answer': {},
  ...promptFailures('acknowledge'),
  ...promptFailures('operator-approval'),
  'operator-denied': {},
  ...promptFailures('mfa'),
  'mfa-code-invalid': {},
  'mfa-code-replayed': {},
  'mfa-locked': {},
  'approval-requester-left': {},
  'approval-fleet-refused': { message: text },
  'approval-withdrawn': {},
  'approval-denied': { approver: text },
  'approval-denied-comment': { approver: text, comment: text },
  'approval-expired': {},
  'approval-used': {},
  'offline-approval-refused': {},
  'offline-approval-expired': {},
  'controls-passed': {},
  'desktop-unverified': { user: text },
  'mfa-enrollment-code-invalid': {},
  'controls-job-missing': {},
  'controls-job-unpresented': { controls, job: text },
  'monitored-would-deny': { policy: text },
  'monitored-would-ask': { policy: text, controls },
  'monitored-would-allow': { policy: text },
  'program-not-found': { path: text },
  'program-not-readable': { path: text },
  'program-not-regular': { path: text },
  'program-writable-by-others': { path: text, folder: text },
  'program-changed': { path: text },
  'program-too-large': { path: text, megabytes: count },
  'program-check-failed': { path: text },
  'program-check-busy': {},
  'program-not-held': { path: text },
  'agent-not-root': {},
  'explain-rate-limited': { seconds: count },
};
const receivedReasonDetail = orElse(
  optional(tagged('code', Object.fromEntries(Object.entries(REASON_VALUES).map(([code, values]) => [code, { values: object(values) }])))),
  undefined,
);

/* prompt.ts and approvals.ts: PromptShow. */
const who = object({ uid: count, name: nullable(string()) });
const promptShow = object({
  promptId: string(),
  kind: oneOf(['justification', 'mfa', 'approval', 'operatorApproval', 'message']),
  control: oneOf(['APPROVAL', 'OPERATORAPPROVAL', 'MFA', 'JUSTIFY', 'NOTIFY']),
  subject: object({ requestId: string(), executable: string(), commandLine: string(), sha256: nullable(string()), policyNames: array(string()) }),
  createdAt: isoDateTime,
  expiresAt: isoDateTime,
  justification: optional(object({ minLength: number({ int: true, min: 1 }), maxLength: number({ int: true, min: 1 }), offline: boolean })),
  message: optional(
    object({ text: string(), requiresAcknowledge: boolean, tone: oneOf(['info', 'success', 'warning', 'error']), reasonDetail: receivedReasonDetail }),
  ),
  operatorApproval: optional(object({ agentProcess: string(), aiLikelihoodPercent: nullable(number()), onTimeout: oneOf(['deny', 'allow']) })),
  mfa: optional(object({ enrolled: boolean, actionType: string(), sessionMinutes: number({ int: true, positive: true }) })),
  approval: optional(
    object({
      approvalId: string(),
      status: oneOf(['Pending', 'Approved', 'Denied', 'Escalated', 'Expired']),
      justification: string(),
      sentTo: object({ users: array(string()), groups: array(string()) }),
      escalatedAt: nullable(isoDateTime),
      expiresAt: isoDateTime,
      nextStep: oneOf(['escalate', 'expire']),
      decisionReason: nullable(string()),
      decision: optional(nullable(object({ by: who, at: isoDateTime, reason: nullable(string()), usableUntil: nullable(isoDateTime) }))),
      quorum: optional(object({ required: number({ int: true, min: 2, max: 10 }), approvals: array(object({ by: who, at: isoDateTime })) })),
    }),
  ),
  offlineApproval: optional(object({ challenge: string(), machine: string(), expiresAt: isoDateTime, attemptsLeft: count, justification: string() })),
});

/** services/prompts.ts, PromptQueueView. */
export const checkPromptQueueView = object({ current: nullable(promptShow), waiting: count }) as Check<PromptQueueView>;

/** prompt.ts, PromptRespondResult. */
export const checkPromptRespondResult = object({
  accepted: boolean,
  problem: optional(string()),
  reason: optional(oneOf(['too-short', 'too-long', 'invalid', 'replayed', 'locked', 'not-enrolled', 'expired'])),
  retriesLeft: optional(count),
  lockedUntil: optional(isoDateTime),
  reasonDetail: receivedReasonDetail,
}) as Check<PromptRespondResult>;
