import * as z from 'zod';
import { BASE64_PATTERN, isBase64 } from '../base64Chunk.ts';
import { defineNotification, defineRequest, onFirstUse } from '../method.ts';

export const PolicyTypeName = z.enum([
  'PrivilegeElevation',
  'FileAccess',
  'CommandLine',
  'LeastPrivilege',
  'HttpAccess',
  'SettingsUpdate',
  'AgenticAccess',
  'JobUpdate',
  // The seed's "Agentic AI Access" (which AI agents may act, for whom) and "Agentic Privilege
  // Elevation" (how an AI agent gets elevation): the agent applies them itself to requests it
  // detects as agentic (docs/policy-semantics.md, 5.4).
  'AgenticAiAccess',
  'AgenticPrivilegeElevation',
]);
export const PolicyStatusName = z.enum(['enforce', 'monitor', 'monitor_and_notify', 'off']);
export const ControlName = z.enum(['ALLOW', 'DENY', 'NOTIFY', 'MFA', 'JUSTIFY', 'APPROVAL', 'AUDIT', 'RECORD', 'OPERATORAPPROVAL']);
export const PromptControlName = z.enum(['APPROVAL', 'OPERATORAPPROVAL', 'MFA', 'JUSTIFY', 'NOTIFY']);

const Text = z.string().max(4096);

/** One code of a reason union: a literal code and the values its sentence takes. */
export function reason<const Code extends string, const Values extends z.ZodRawShape>(code: Code, values: Values) {
  return z.object({ code: z.literal(code), values: z.object(values) });
}

/** A prompt that can fail to be answered, and how; the code names both, so each reads as a whole sentence. */
const promptFailures = <const Prompt extends string>(prompt: Prompt) =>
  [
    reason(`${prompt}-abandoned`, {}),
    reason(`${prompt}-cancelled`, {}),
    reason(`${prompt}-expired`, {}),
    reason(`${prompt}-undeliverable`, { user: Text }),
  ] as const;

/**
 * Why the agent decided as it did, as a stable code plus values, so a window words it in the user's
 * language (`common:reason.<code>`). The English `reason` next to it stays for the CLI, logs and the
 * audit. Approver comments and policy messages are carried verbatim: they are someone's own words.
 */
export const ReasonDetail = z.discriminatedUnion('code', [
  reason('policy-allow', {}),
  reason('policy-controls', { controls: z.array(ControlName) }),
  reason('policy-deny', { policy: Text }),
  reason('policy-deny-message', { policy: Text, message: Text }),
  reason('default-deny', {}),
  reason('default-allow', {}),
  reason('offline-needs-network', { controls: z.array(ControlName) }),
  reason('elevated-session', { policy: Text, until: z.iso.datetime() }),
  reason('redirected', { executable: Text, target: Text }),
  reason('redirect-failed', { executable: Text, target: Text, error: Text }),
  ...promptFailures('justification'),
  reason('justification-wrong-answer', {}),
  ...promptFailures('acknowledge'),
  ...promptFailures('operator-approval'),
  reason('operator-denied', {}),
  ...promptFailures('mfa'),
  // A refused code ends the request once the prompt's attempts (mfa.codeAttemptsPerPrompt, default 1) are spent.
  reason('mfa-code-invalid', {}),
  reason('mfa-code-replayed', {}),
  reason('mfa-locked', {}),
  reason('approval-requester-left', {}),
  // The fleet server refused to file the request (e.g. this machine was revoked); `message` is the server's.
  reason('approval-fleet-refused', { message: Text }),
  reason('approval-withdrawn', {}),
  reason('approval-denied', { approver: Text }),
  reason('approval-denied-comment', { approver: Text, comment: Text }),
  reason('approval-expired', {}),
  reason('approval-used', {}),
  // Signed offline approval (docs/fleet.md): the wrong responses a challenge takes were spent, or it expired.
  reason('offline-approval-refused', {}),
  reason('offline-approval-expired', {}),
  reason('controls-passed', {}),
  // A prompt answer from a connection that is not a verified desktop session of the prompt's user.
  reason('desktop-unverified', { user: Text }),
  // MFA enrollment needs a one-time code from an administrator (keeper-agent mfa issue).
  reason('mfa-enrollment-code-invalid', {}),
  reason('controls-job-missing', {}),
  reason('controls-job-unpresented', { controls: z.array(ControlName), job: Text }),
  // Notices of monitor_and_notify policies: what the policy would do once enforced.
  reason('monitored-would-deny', { policy: Text }),
  reason('monitored-would-ask', { policy: Text, controls: z.array(ControlName) }),
  reason('monitored-would-allow', { policy: Text }),
  // The program file itself, checked with the requester's own rights before any policy applies.
  reason('program-not-found', { path: Text }),
  reason('program-not-readable', { path: Text }),
  reason('program-not-regular', { path: Text }),
  reason('program-writable-by-others', { path: Text, folder: Text }),
  reason('program-changed', { path: Text }),
  reason('program-too-large', { path: Text, megabytes: z.number().int().nonnegative() }),
  reason('program-check-failed', { path: Text }),
  reason('program-check-busy', {}),
  reason('program-not-held', { path: Text }),
  reason('agent-not-root', {}),
  reason('explain-rate-limited', { seconds: z.number().int().nonnegative() }),
]);

/** Every code the agent can give. */
export const REASON_CODES = ReasonDetail.options.map((option) => option.shape.code.value);
export const ReasonCode = z.enum(REASON_CODES as [ReasonCode, ...ReasonCode[]]);

/**
 * As read from the agent: a code this client does not know yet (a newer agent) reads as absent, so the
 * window falls back to the English `reason` instead of rejecting the whole answer.
 */
export const ReceivedReasonDetail = ReasonDetail.optional().catch(undefined);

/** An account name as NSS knows it (no path separators, no option-looking names). */
export const AccountName = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.@-]*\$?$/, 'an account name');

/** Keeper.RunAs: the identity to run as instead of root; the agent resolves it through NSS. */
export const RunAsTarget = z.object({ user: AccountName });

/** How an allowed request's program is started: what `elevation.run` takes besides the request. */
export const ElevationRunOptions = z.object({
  /** The terminal the program talks to, passed into its clean environment. */
  term: z.string().max(64).optional(),
});

/** A started program: its run (named by its output and exit notifications) and its process id. */
export const ElevationRunStarted = onFirstUse(() => z.object({ runId: z.string(), pid: z.number().int().positive() }));

// Eager: the desktop's agent details `.pick` from it.
export const ElevationRequestParams = z.object({
  /** Absolute path of the program to run elevated; the agent hashes the file itself. */
  executable: z
    .string()
    .min(1)
    .max(4096)
    .refine((p) => p.startsWith('/') || /^[A-Za-z]:\\/.test(p), 'an absolute path'),
  arguments: z.array(z.string().max(32_768)).max(1024),
  cwd: z.string().min(1).max(4096),
  // The agentic types are the agent's to apply (it detects AI agents itself); a caller cannot ask for them.
  policyType: PolicyTypeName.exclude(['AgenticAiAccess', 'AgenticPrivilegeElevation']).default('PrivilegeElevation'),
  /** For agentic actions: the process acting for the user and how likely it is an AI agent. */
  agentic: z.object({ parentProcess: z.string().min(1).max(4096), aiLikelihoodPercent: z.number().min(0).max(100) }).optional(),
  /** Run as this user (keeper-runas) instead of root (keeper-elevate); decided under the same policies. */
  runAs: RunAsTarget.optional(),
  /**
   * Run the program at once, with these options, if the decision allows it without a prompt: the agent
   * then does what `elevation.run` does on this connection (same checks, same audit) before it answers,
   * and the answer carries `run`; a run it refuses is this request's error, as `elevation.run`'s would be
   * (the decision stays recorded). A pending or denied request is not run: once allowed, `elevation.run`
   * runs it as without this field.
   */
  run: ElevationRunOptions.optional(),
});

/** One policy that matched, as a decision lists it: the object itself, for DecisionSummary's `monitored` that extends it. */
const policyMatchSummary = () =>
  z.object({
    policyId: z.string(),
    policyName: z.string(),
    status: PolicyStatusName,
    specificity: z.number().int().min(0).max(3),
    controls: z.array(ControlName),
  });
export const PolicyMatchSummary = onFirstUse(policyMatchSummary);

export const DecisionSummary = onFirstUse(() =>
  z.object({
    outcome: z.enum(['allow', 'deny', 'controls']),
    reason: z.string(),
    /** `reason` as a code plus values for the window to word; absent from an older agent. */
    reasonDetail: ReceivedReasonDetail,
    /** Prompts the user must pass, in presentation order. */
    controls: z.array(PromptControlName),
    justificationWithApproval: z.boolean(),
    matched: z.array(PolicyMatchSummary),
    deciding: z.array(z.string()),
    monitored: z.array(policyMatchSummary().extend({ wouldBe: z.enum(['allow', 'deny', 'controls']) })),
  }),
);

export const ElevationState = z.enum(['allowed', 'denied', 'pending']);

export const ElevationRequestResult = onFirstUse(() =>
  z.object({
    requestId: z.string(),
    state: ElevationState,
    decision: DecisionSummary,
    application: z.object({ path: z.string(), sha256: z.string().nullable(), commandLine: z.string() }),
    createdAt: z.iso.datetime(),
    /** The identity the program runs with when allowed (root unless `runAs` named another user). */
    runAs: z.object({ user: z.string(), uid: z.number().int().nonnegative() }).optional(),
    /** Set when a valid elevated-session grant let this request pass without its prompts. */
    grant: z.object({ grantId: z.string(), expiresAt: z.iso.datetime() }).optional(),
    /** The program started at once (the request asked for `run` and was allowed); its output follows as for `elevation.run`. */
    run: ElevationRunStarted.optional(),
  }),
);

/** `elevation.request`: asks the agent to decide whether the caller may run a program elevated. */
export const ElevationRequest = defineRequest('elevation.request', ElevationRequestParams, ElevationRequestResult);

export type ElevationRequestParams = z.infer<typeof ElevationRequestParams>;
export type ElevationRequestResult = z.infer<typeof ElevationRequestResult>;
export type DecisionSummary = z.infer<typeof DecisionSummary>;
export type ReasonDetail = z.infer<typeof ReasonDetail>;
export type ReasonCode = ReasonDetail['code'];

export const ElevationStatusParams = onFirstUse(() => z.object({ requestId: z.string().min(1).max(100) }));
export const ElevationStatusResult = onFirstUse(() =>
  z.object({
    requestId: z.string(),
    state: ElevationState,
    reason: z.string(),
    /** `reason` as a code plus values for the window to word; absent for rows of an older agent. */
    reasonDetail: ReceivedReasonDetail,
    /** The control being asked now, if any. */
    currentControl: PromptControlName.nullable(),
    /** Controls already passed, in order. */
    passed: z.array(PromptControlName),
    updatedAt: z.iso.datetime(),
    /**
     * While an offline approval waits: the challenge to read to an approver (not a secret), so the
     * CLI can print it; the response is typed into the pending window. Absent otherwise.
     */
    offlineApproval: z.object({ challenge: z.string(), machine: z.string(), expiresAt: z.iso.datetime() }).optional(),
  }),
);

/** `elevation.status`: where a request stands; its own user may ask. */
export const ElevationStatus = defineRequest('elevation.status', ElevationStatusParams, ElevationStatusResult);
/** `elevation.updated`: pushed to the requester's connections on every change of a request. */
export const ElevationUpdated = defineNotification('elevation.updated', ElevationStatusResult);
/**
 * `elevation.created`: pushed to the requester's connections once a new request is recorded (made from
 * any client: the CLI, the tray), so a history shown elsewhere learns of it; its later changes come as
 * `elevation.updated`.
 */
export const ElevationCreated = defineNotification('elevation.created', ElevationStatusResult);

export type ElevationStatusResult = z.infer<typeof ElevationStatusResult>;

/**
 * Bytes on the wire: base64, at most 64 KiB of data per message. Checked with isBase64 (the pattern's check at a
 * third of the regex's cost: 1 MB of output is 16 chunks, each checked by the agent and by the CLI); the JSON
 * Schema keeps the pattern.
 */
const chunk = () => z.string().max(90_000).refine(isBase64, 'base64').meta({ pattern: BASE64_PATTERN });

export const ElevationRunParams = onFirstUse(() =>
  z.object({
    requestId: z.string().min(1).max(100),
    ...ElevationRunOptions.shape,
  }),
);

/**
 * `elevation.run`: starts an allowed request's program with the granted identity. Only the
 * requester's own connection may run it, and only once; output comes back as notifications.
 */
export const ElevationRun = defineRequest('elevation.run', ElevationRunParams, ElevationRunStarted);

export const ElevationInputParams = onFirstUse(() =>
  z.object({
    runId: z.string().min(1).max(100),
    data: chunk().optional(),
    /** Closes the program's stdin. */
    eof: z.boolean().optional(),
    /** Forwards a terminal signal (Ctrl+C, hang-up). */
    signal: z.enum(['SIGINT', 'SIGTERM', 'SIGHUP']).optional(),
  }),
);
/** `elevation.input`: stdin data, end of input or a signal for a running program. */
export const ElevationInput = defineRequest(
  'elevation.input',
  ElevationInputParams,
  onFirstUse(() => z.object({ ok: z.literal(true) })),
);

export const ElevationOutput = defineNotification(
  'elevation.output',
  onFirstUse(() => z.object({ runId: z.string(), stream: z.enum(['stdout', 'stderr']), data: chunk() })),
);
export const ElevationExited = defineNotification(
  'elevation.exited',
  onFirstUse(() => z.object({ runId: z.string(), code: z.number().int().nullable(), signal: z.string().nullable() })),
);

export const ElevationHistoryEntry = onFirstUse(() =>
  z.object({
    requestId: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    commandLine: z.string(),
    executable: z.string(),
    /** Who the program runs as: root, or the `runAs` user. */
    runAsUser: z.string(),
    state: ElevationState,
    reason: z.string(),
    /** `reason` as a code plus values for the window to word; absent for rows of an older agent. */
    reasonDetail: ReceivedReasonDetail,
    /** The prompts the decision asked for, in presentation order. */
    controls: z.array(PromptControlName),
    /** Names of the policies that decided. */
    policies: z.array(z.string()),
    /** Set when an elevated-session grant let it pass without prompts. */
    grantId: z.string().nullable(),
    /** When the program was started; null if it never ran. */
    ranAt: z.iso.datetime().nullable(),
  }),
);

export const ElevationHistoryParams = onFirstUse(() => z.object({ limit: z.number().int().min(1).max(200).default(20) }).nullish());

/** `elevation.history`: the caller's own most recent elevation requests with their decisions, newest first. */
export const ElevationHistory = defineRequest(
  'elevation.history',
  ElevationHistoryParams,
  onFirstUse(() => z.object({ requests: z.array(ElevationHistoryEntry) })),
);

export type ElevationHistoryEntry = z.infer<typeof ElevationHistoryEntry>;
