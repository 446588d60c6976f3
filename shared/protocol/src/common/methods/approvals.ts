import * as z from 'zod';
import { defineNotification, defineRequest, onFirstUse } from '../method.ts';
import { AgenticDetection } from './agentic.ts';
import { PolicyMatchSummary } from './elevation.ts';

/** The most approvers a policy may require (`Extension.ApprovalQuorum`); more is refused when policies load. */
export const MAX_APPROVAL_QUORUM = 10;

export const ApprovalStatus = z.enum(['Pending', 'Approved', 'Denied', 'Escalated', 'Expired']);

/**
 * The requester's other requests for this application (same SHA-256, or the same path when the file
 * could not be hashed), this one excluded. Optional so that older agents' answers still parse.
 */
export const RequesterHistory = onFirstUse(() =>
  z.object({
    asked: z.number().int().nonnegative(),
    approved: z.number().int().nonnegative(),
    denied: z.number().int().nonnegative(),
  }),
);
export type RequesterHistory = z.infer<typeof RequesterHistory>;

/** Who decided a request, when, why, and (approved) until when it can be used. */
export const ApprovalDecision = onFirstUse(() =>
  z.object({
    by: z.object({ uid: z.number().int().nonnegative(), name: z.string().nullable() }),
    at: z.iso.datetime(),
    reason: z.string().nullable(),
    /** An approved request can be used until then (once). */
    usableUntil: z.iso.datetime().nullable(),
  }),
);
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

/**
 * The MFA verification recorded for the request, if any. Approval precedes MFA, so while a request
 * waits for its approvers this is null; the policies' controls say whether MFA comes after approval.
 */
export const ApprovalMfa = onFirstUse(() =>
  z.object({
    verifiedAt: z.iso.datetime(),
    user: z.object({ uid: z.number().int().nonnegative(), name: z.string().nullable() }),
  }),
);

/** One approver's vote towards a quorum: who (uid local to the machine that verified them) and when. */
export const QuorumVote = onFirstUse(() =>
  z.object({
    by: z.object({ uid: z.number().int().nonnegative(), name: z.string().nullable() }),
    at: z.iso.datetime(),
  }),
);
export type QuorumVote = z.infer<typeof QuorumVote>;

/**
 * A request that needs `required` distinct approvers (policy `Extension.ApprovalQuorum`): who
 * approved so far, oldest first. The requester never counts; one denial ends the request.
 * Absent from older agents and for requests that need one approver.
 */
export const ApprovalQuorum = onFirstUse(() =>
  z.object({
    required: z.number().int().min(2).max(MAX_APPROVAL_QUORUM),
    approvals: z.array(QuorumVote),
  }),
);
export type ApprovalQuorum = z.infer<typeof ApprovalQuorum>;

/**
 * An approval request as approvers see it (Keeper's approval record, plus what they need to decide): the object
 * itself, for a schema that extends it (the fleet's approval).
 */
export const approvalObject = () =>
  z.object({
    approvalId: z.string(),
    requestId: z.string(),
    status: ApprovalStatus,
    requester: z.object({ uid: z.number().int().nonnegative(), name: z.string().nullable() }),
    machine: z.string(),
    application: z.object({
      path: z.string(),
      sha256: z.string().nullable(),
      commandLine: z.string(),
      /** The publisher whose signature the agent verified; null when unsigned or not checked (Linux). Absent from older agents. */
      signer: z.string().nullable().optional(),
    }),
    /**
     * The folder the program runs in, as the requester's client gave it: part of what an approval covers
     * (it is never used from another folder). Absent from older agents; null for their records.
     */
    cwd: z.string().nullable().optional(),
    justification: z.string(),
    matchedPolicies: z.array(PolicyMatchSummary),
    /** What the agent detected about an AI agent acting for the requester, and why (docs/agentic.md); null: not agentic. Absent from older agents and the fleet. */
    agentic: AgenticDetection.nullable().optional(),
    createdAt: z.iso.datetime(),
    /** When a Pending request escalates (or expires, with no secondary approvers); when an Escalated one expires. */
    expiresAt: z.iso.datetime(),
    escalatedAt: z.iso.datetime().nullable(),
    decision: ApprovalDecision.nullable(),
    requesterHistory: RequesterHistory.optional(),
    mfa: ApprovalMfa.nullable().optional(),
    quorum: ApprovalQuorum.optional(),
  });
export const Approval = onFirstUse(approvalObject);
export type Approval = z.infer<typeof Approval>;
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

export const ApprovalRole = z.enum(['administrator', 'approver', 'secondaryApprover']);

export const ApprovalsListParams = onFirstUse(() =>
  z
    .object({
      statuses: z.array(ApprovalStatus).min(1).optional(),
      /**
       * One page of the list (newest first: every open request and the newest 2,000 decided ones), so
       * a long queue fits the protocol's frame size limit; without `limit`, everything in one answer.
       */
      offset: z.number().int().nonnegative().optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    })
    .nullish(),
);
export const ApprovalsListResult = onFirstUse(() =>
  z.object({
    roles: z.array(ApprovalRole),
    approvals: z.array(Approval),
    /** Where the next page starts; null on the last page. Absent from agents that do not page. */
    nextOffset: z.number().int().nonnegative().nullable().optional(),
  }),
);

/** What an approver decides, here and through a fleet server's relay (fleet.ts): built with the schema that holds it. */
export const approvalDecisionFields = () => ({
  decision: z.enum(['approve', 'deny']),
  reason: z.string().trim().max(1000).optional(),
  /** A shorter grant window than the configured default (24 h), in minutes. */
  usableMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .optional(),
});

export const ApprovalsDecideParams = onFirstUse(() => z.object({ approvalId: z.string().min(1).max(100), ...approvalDecisionFields() }));

/** `approvals.list`: requests the caller may decide; needs an approver role. */
export const ApprovalsList = defineRequest('approvals.list', ApprovalsListParams, ApprovalsListResult);
/** `approvals.decide`: approve or deny once; a decided or expired request gets Conflict/Expired. */
export const ApprovalsDecide = defineRequest('approvals.decide', ApprovalsDecideParams, Approval);
export const ApprovalsOfflineResponseParams = onFirstUse(() =>
  z.object({
    /** The offline machine, as its requester reads it out (its registered name) or its machine id. */
    machine: z.string().trim().min(1).max(253),
    /** The challenge as read out: 10 letters and digits (dashes, spaces and case do not matter). */
    challenge: z.string().trim().min(1).max(40),
  }),
);
// Eager: the approver queue's bridge service spreads its `.shape`.
export const ApprovalsOfflineResponseResult = z.object({
  /** What the approver reads back, grouped `ABCDE-FGHJK`. */
  response: z.string(),
  /** The name the response is made for: the requester types it too. */
  approver: z.string(),
  machine: z.string(),
});
/**
 * `approvals.offlineResponse` (with a fleet): the response to an offline machine's challenge, for the
 * calling approver (the fleet checks the role on that machine's group and audits it); docs/fleet.md.
 */
export const ApprovalsOfflineResponse = defineRequest('approvals.offlineResponse', ApprovalsOfflineResponseParams, ApprovalsOfflineResponseResult);
/** `approvals.changed`: pushed to approvers' connections when a request appears or changes. */
export const ApprovalsChanged = defineNotification('approvals.changed', Approval);
