import * as z from 'zod';
import { defineNotification, defineRequest, onFirstUse } from '../method.ts';
import { ApprovalDecision, ApprovalQuorum, ApprovalStatus } from './approvals.ts';
import { PromptControlName, ReceivedReasonDetail } from './elevation.ts';

export const PromptKind = z.enum(['justification', 'mfa', 'approval', 'operatorApproval', 'message']);

/** What the user is asked about: enough to decide, nothing secret. */
export const PromptSubject = onFirstUse(() =>
  z.object({
    requestId: z.string(),
    executable: z.string(),
    commandLine: z.string(),
    sha256: z.string().nullable(),
    policyNames: z.array(z.string()),
  }),
);

export const PromptShow = onFirstUse(() =>
  z.object({
    promptId: z.string(),
    kind: PromptKind,
    /** The control this prompt satisfies. */
    control: PromptControlName,
    subject: PromptSubject,
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    /** Kind-specific details. */
    justification: z.object({ minLength: z.number().int().min(1), maxLength: z.number().int().min(1), offline: z.boolean() }).optional(),
    message: z
      .object({
        /** An administrator's policy text, shown verbatim; or the agent's English for `reasonDetail`. */
        text: z.string(),
        requiresAcknowledge: z.boolean(),
        tone: z.enum(['info', 'success', 'warning', 'error']),
        /** A notice of the agent's own (an approver's denial) as a code the window words; absent from older agents. */
        reasonDetail: ReceivedReasonDetail,
      })
      .optional(),
    operatorApproval: z.object({ agentProcess: z.string(), aiLikelihoodPercent: z.number().nullable(), onTimeout: z.enum(['deny', 'allow']) }).optional(),
    /** Not enrolled yet: the MFA window first runs mfa.enroll.begin/confirm, then asks for a code. */
    mfa: z.object({ enrolled: z.boolean(), actionType: z.string(), sessionMinutes: z.number().int().positive() }).optional(),
    /**
     * The pending notice to the requester (kind `approval`): where the admin approval request stands.
     * The agent re-sends `prompt.show` with the same promptId when it changes (escalated); answering
     * `cancel` withdraws the request.
     */
    approval: z
      .object({
        approvalId: z.string(),
        status: ApprovalStatus,
        /** The justification the request carries, as the approvers see it. */
        justification: z.string(),
        /** Who may decide it now: the configured user and group names. */
        sentTo: z.object({ users: z.array(z.string()), groups: z.array(z.string()) }),
        escalatedAt: z.iso.datetime().nullable(),
        /** When it escalates or expires next. */
        expiresAt: z.iso.datetime(),
        /** What happens at `expiresAt` if nobody decides: escalation to the secondary approvers, or expiry. */
        nextStep: z.enum(['escalate', 'expire']),
        decisionReason: z.string().nullable(),
        /**
         * Once decided (Approved, Denied, Expired) the agent re-sends the notice with who decided and,
         * approved, until when; the requester dismisses it with `cancel`. Absent from older agents.
         */
        decision: ApprovalDecision.nullable().optional(),
        /** A request that needs several approvers: who approved so far. Absent otherwise and from older agents. */
        quorum: ApprovalQuorum.optional(),
      })
      .optional(),
    /**
     * Kind `approval` while the agent is offline and the policy allows offline approval: the challenge
     * the requester reads to an approver, who answers with a response to type in (`offlineApproval`).
     * Absent otherwise and from older agents.
     */
    offlineApproval: z
      .object({
        /** 10 Crockford base32 characters naming this request (docs/fleet.md, "Offline approval"). */
        challenge: z.string(),
        /** The machine the approver names (keeper-fleet approve-offline --machine). */
        machine: z.string(),
        /** The challenge, and so any response to it, is void after this. */
        expiresAt: z.iso.datetime(),
        /** Wrong responses left before the request ends. */
        attemptsLeft: z.number().int().nonnegative(),
        /** The requester's justification, recorded with the request. */
        justification: z.string(),
      })
      .optional(),
  }),
);

export const PromptClosedReason = z.enum(['answered', 'expired', 'cancelled', 'superseded', 'agentStopping']);
export const PromptClosed = onFirstUse(() => z.object({ promptId: z.string(), reason: PromptClosedReason }));

export const PromptResponse = onFirstUse(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('justification'), text: z.string().max(2000) }),
    z.object({ kind: z.literal('mfa'), code: z.string().regex(/^\d{6}$/, 'six digits') }),
    z.object({ kind: z.literal('operatorApproval'), approve: z.boolean() }),
    z.object({ kind: z.literal('message'), acknowledged: z.literal(true) }),
    /** The response an approver read out for an offline approval, and the approver's name it was made for. */
    z.object({ kind: z.literal('offlineApproval'), approver: z.string().trim().min(1).max(64), code: z.string().max(40) }),
    /** Closing a prompt window counts as cancel. */
    z.object({ kind: z.literal('cancel') }),
  ]),
);

export const PromptRespondParams = onFirstUse(() => z.object({ promptId: z.string().min(1).max(100), response: PromptResponse }));
export const PromptRespondResult = onFirstUse(() =>
  z.object({
    /** False when the answer was wrong but the prompt stays open (e.g. a justification too short). */
    accepted: z.boolean(),
    /** Why it was refused, in English for logs; windows translate `reason`. */
    problem: z.string().optional(),
    reason: z.enum(['too-short', 'too-long', 'invalid', 'replayed', 'locked', 'not-enrolled', 'expired']).optional(),
    retriesLeft: z.number().int().nonnegative().optional(),
    lockedUntil: z.iso.datetime().optional(),
    /** Set when this refusal also ended the request (the prompt closes): why, for the window to word. */
    reasonDetail: ReceivedReasonDetail,
  }),
);
export type PromptRespondResult = z.infer<typeof PromptRespondResult>;

/** `prompt.show`: sent only to desktop connections of the user the prompt belongs to. */
export const PromptShowNotification = defineNotification('prompt.show', PromptShow);
/** `prompt.closed`: the prompt needs no more answer (answered elsewhere, expired, cancelled). */
export const PromptClosedNotification = defineNotification('prompt.closed', PromptClosed);
/** `prompt.respond`: the user's answer; only the prompt's own user may send it. */
export const PromptRespond = defineRequest('prompt.respond', PromptRespondParams, PromptRespondResult);

export type PromptKind = z.infer<typeof PromptKind>;
export type PromptShow = z.infer<typeof PromptShow>;
export type PromptClosed = z.infer<typeof PromptClosed>;
export type PromptResponse = z.infer<typeof PromptResponse>;
