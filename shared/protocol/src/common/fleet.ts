import * as z from 'zod';
import { Approval, approvalDecisionFields, approvalObject, ApprovalsListResult, ApprovalStatus, MAX_APPROVAL_QUORUM } from './methods/approvals.ts';
import { AgenticDetection } from './methods/agentic.ts';
import { PolicyMatchSummary } from './methods/elevation.ts';
import { onFirstUse } from './method.ts';

/**
 * The fleet wire protocol: what a registered agent and `keeper-fleet` exchange over HTTPS (mutual
 * TLS) and the /v1/stream WebSocket. One source for both sides; the agent's approval shapes are
 * reused so a relayed `approvals.list` answer is the local one, field for field.
 */

/** Deployment group names are plain identifiers: anything shaped like SQL or a path is refused. */
export const GroupName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-" (at most 64), starting with a letter or digit');
/** A user or group name as the OS reports it (POSIX or DOMAIN\\name); stored and compared literally. */
export const PrincipalName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\p{Cc}]+$/u, 'no control characters');
export const MachineId = z.uuid();

export const FleetErrorCode = z.enum([
  'bad-request',
  'body-too-large',
  'token-invalid',
  'token-expired',
  'token-used',
  'certificate-required',
  'machine-revoked',
  'csr-invalid',
  'not-found',
  'not-approver',
  'own-request',
  'approval-decided',
  'approval-expired',
  'request-conflict',
  'database-unavailable',
  'rate-limited',
  'internal',
]);
export type FleetErrorCode = z.infer<typeof FleetErrorCode>;
export const FleetErrorBody = onFirstUse(() => z.object({ error: FleetErrorCode, message: z.string(), approval: Approval.optional() }));
export type FleetErrorBody = z.infer<typeof FleetErrorBody>;

export const Health = onFirstUse(() => z.object({ status: z.literal('ok'), time: z.iso.datetime(), instance: z.string() }));

/** A certificate signing request in PEM, as registration and renewal send it. */
const csr = () => z.string().min(100).max(8192).startsWith('-----BEGIN CERTIFICATE REQUEST-----');

export const RegisterRequest = onFirstUse(() =>
  z.strictObject({
    token: z.string().min(20).max(200),
    csr: csr(),
    hostname: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'a host name'),
    /** The machine's offline-approval key (32 bytes, base64url), made by the agent; absent from older agents. */
    offlineKey: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, '32 bytes in base64url')
      .optional(),
  }),
);
export const RegisterResponse = onFirstUse(() =>
  z.object({
    machineId: MachineId,
    group: GroupName,
    certificate: z.string(),
    caCertificate: z.string(),
  }),
);
export type RegisterResponse = z.infer<typeof RegisterResponse>;

export const RenewRequest = onFirstUse(() => z.strictObject({ csr: csr() }));
export const RenewResponse = onFirstUse(() => z.object({ certificate: z.string() }));

/** The set a group's agents decide from: the agent's own policy and job files, by file name. */
export const PolicyBundle = onFirstUse(() =>
  z.object({
    group: GroupName,
    version: z.number().int().nonnegative(),
    sha256: z.string(),
    policies: z.record(z.string(), z.unknown()),
    jobs: z.record(z.string(), z.unknown()),
    pushedAt: z.iso.datetime().nullable(),
  }),
);
export type PolicyBundle = z.infer<typeof PolicyBundle>;

/** A person as the relaying agent verified them from the OS (uid is local to that machine). */
export const FleetActor = onFirstUse(() =>
  z.strictObject({
    uid: z.number().int().nonnegative(),
    name: PrincipalName,
    groups: z.array(PrincipalName).max(256),
  }),
);
export type FleetActor = z.infer<typeof FleetActor>;

/** Everything an approver on another machine needs; the request id is the agent's (idempotent filing). */
export const FileApprovalRequest = onFirstUse(() =>
  z.strictObject({
    requestId: z.string().min(1).max(100),
    requester: z.strictObject({ uid: z.number().int().nonnegative(), name: PrincipalName }),
    application: z.strictObject({
      path: z.string().min(1).max(4096),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .nullable(),
      commandLine: z.string().max(32 * 1024),
      signer: z.string().max(1024).nullable().optional(),
    }),
    workingDirectory: z.string().max(4096),
    justification: z.string().min(1).max(4000),
    matchedPolicies: z.array(PolicyMatchSummary).max(100),
    /** Distinct approvers needed (the policies' `Extension.ApprovalQuorum`); absent: one. */
    quorum: z.number().int().min(1).max(MAX_APPROVAL_QUORUM).optional(),
    /** What the agent detected about an AI agent acting for the requester (docs/agentic.md); null: none. Absent from older agents. */
    agentic: AgenticDetection.nullable().optional(),
  }),
);
export type FileApprovalRequest = z.infer<typeof FileApprovalRequest>;

const approverNames = () => z.object({ users: z.array(z.string()), groups: z.array(z.string()) });
/** Who may decide the request at each stage, by name (the fleet's approver roles for its group). */
export const FleetSentTo = onFirstUse(() => z.object({ pending: approverNames(), escalated: approverNames() }));
export type FleetSentTo = z.infer<typeof FleetSentTo>;
export const FleetApproval = onFirstUse(() => approvalObject().extend({ group: GroupName, workingDirectory: z.string(), sentTo: FleetSentTo.optional() }));
export type FleetApproval = z.infer<typeof FleetApproval>;

export const RelayListRequest = onFirstUse(() =>
  z.strictObject({
    actor: FleetActor,
    statuses: z.array(ApprovalStatus).min(1).optional(),
    offset: z.number().int().nonnegative().optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  }),
);
export const RelayListResponse = ApprovalsListResult;

/** An approver asks for the response to an offline machine's challenge (relayed by their own agent). */
export const OfflineResponseRequest = onFirstUse(() =>
  z.strictObject({
    actor: FleetActor,
    /** The offline machine: its host name or machine id. */
    machine: z.string().min(1).max(253),
    /** The challenge as read out (spaces and dashes allowed). */
    challenge: z.string().min(1).max(40),
  }),
);
export const OfflineResponseResult = onFirstUse(() =>
  z.object({
    /** The response to read back, grouped `ABCDE-FGHJK`. */
    response: z.string(),
    /** The name the response was made for: the requester types it with the response. */
    approver: PrincipalName,
    machine: z.string(),
    machineId: MachineId,
  }),
);
export type OfflineResponseResult = z.infer<typeof OfflineResponseResult>;

export const RelayDecideRequest = onFirstUse(() => z.strictObject({ actor: FleetActor, approvalId: z.uuid(), ...approvalDecisionFields() }));

/** One audit event of an agent's outbox; `id` makes delivery idempotent. */
export const FleetAuditEvent = onFirstUse(() =>
  z.strictObject({
    id: z.string().min(1).max(100),
    at: z.iso.datetime(),
    type: z.string().min(1).max(100),
    actorUid: z.number().int().nonnegative().nullable(),
    requestId: z.string().max(100).nullable(),
    data: z.record(z.string(), z.unknown()),
    /** The agent's hash chain (docs/audit.md): seq in its log, the previous event's hash, this one's. */
    seq: z.number().int().positive().optional(),
    prevHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    hash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
  }),
);
export type FleetAuditEvent = z.infer<typeof FleetAuditEvent>;
export const AuditIngestRequest = onFirstUse(() => z.strictObject({ events: z.array(FleetAuditEvent).min(1).max(500) }));
export const AuditIngestResponse = onFirstUse(() => z.object({ accepted: z.number().int(), duplicates: z.number().int() }));

/** Durable events for one machine, redelivered until acknowledged (so none is lost). */
export const MachineEvent = onFirstUse(() =>
  z.object({ type: z.literal('event'), id: z.string(), kind: z.literal('approval.updated'), approval: FleetApproval }),
);
export type MachineEvent = z.infer<typeof MachineEvent>;
/** Hints that need no delivery guarantee: an agent re-reads the state they point at on every connect. */
export const QueueChanged = onFirstUse(() => z.object({ type: z.literal('approvals.changed'), approvalId: z.string() }));
export const PolicyChanged = onFirstUse(() => z.object({ type: z.literal('policy.changed'), group: GroupName, version: z.number().int() }));
export const StreamMessage = onFirstUse(() =>
  z.discriminatedUnion('type', [MachineEvent, QueueChanged, PolicyChanged, z.object({ type: z.literal('hello'), machineId: MachineId })]),
);
export type StreamMessage = z.infer<typeof StreamMessage>;
export const StreamAck = onFirstUse(() =>
  z.strictObject({
    type: z.literal('ack'),
    ids: z
      .array(z.string().regex(/^\d{1,19}$/))
      .min(1)
      .max(1000),
  }),
);
/** An agent with an approver's window open asks for queue hints; other machines are not sent them. */
export const StreamWatch = onFirstUse(() => z.strictObject({ type: z.literal('watch'), queue: z.boolean() }));
export const StreamClientMessage = onFirstUse(() => z.discriminatedUnion('type', [StreamAck, StreamWatch]));
