import {
  AgentError,
  AgentErrorCodes,
  type Approval,
  type DecisionSummary,
  type PromptShow,
  type ReasonDetail,
} from '../../../../shared/protocol/src/common/index.ts';
import { WITHDRAWN_REASON, type ApprovalService } from '../approvals/approvalService.ts';
import type { OfflineApprovals } from '../approvals/offlineApproval.ts';
import type { AgenticFacts } from '../identity/agenticFacts.ts';
import type { MfaService, MfaVerifyFailure } from '../mfa/mfaService.ts';
import type { PromptAnswer, PromptBroker, PromptSpec } from '../prompts/promptBroker.ts';

/** The prompts whose wait the agent config may set (elevation/controlSettings.ts). */
export type PromptTimeout = 'justification' | 'acknowledge' | 'operatorApproval' | 'mfa';

/** How long each prompt waits for its user, and what end-user approval does when nobody answers. */
export interface ControlSettings {
  readonly justificationTimeoutMs: number;
  readonly justificationMinLength: number;
  readonly justificationMaxLength: number;
  readonly acknowledgeTimeoutMs: number;
  readonly operatorApprovalTimeoutMs: number;
  readonly operatorApprovalOnTimeout: 'deny' | 'allow';
  /** What end-user approval does when no desktop of the user can show it. */
  readonly operatorApprovalWhenUndeliverable: 'deny' | 'allow';
  readonly mfaTimeoutMs: number;
  readonly mfaSessionMinutes: number;
  /** Wrong or used codes one MFA prompt takes before it ends the request (`mfa.codeAttemptsPerPrompt`). */
  readonly mfaCodeAttemptsPerPrompt: number;
  /** Timeouts the agent config sets: they win over a policy-controls job task's own. */
  readonly configuredTimeouts: readonly PromptTimeout[];
}

export const DEFAULT_CONTROL_SETTINGS: ControlSettings = {
  justificationTimeoutMs: 5 * 60_000,
  justificationMinLength: 10,
  justificationMaxLength: 2000,
  acknowledgeTimeoutMs: 5 * 60_000,
  operatorApprovalTimeoutMs: 2 * 60_000,
  operatorApprovalOnTimeout: 'deny',
  operatorApprovalWhenUndeliverable: 'deny',
  mfaTimeoutMs: 5 * 60_000,
  mfaSessionMinutes: 5,
  mfaCodeAttemptsPerPrompt: 1,
  configuredTimeouts: [],
};

export interface PendingElevation {
  readonly requestId: string;
  readonly uid: number;
  readonly userName: string | null;
  readonly subject: PromptShow['subject'];
  readonly decision: DecisionSummary;
  readonly notification: { readonly message: string; readonly requiresAcknowledge: boolean } | null;
  readonly agentic: AgenticFacts | null;
  /** MFA sessions are per action type: the policy type of the request. */
  readonly actionType: string;
  readonly machine: string;
  /** The working directory the program would run in; an approval covers it (approvals/approvalService.ts). */
  readonly cwd: string;
  /** The application's verified publisher (null when unsigned or not checked, as on Linux). */
  readonly signer?: string | null;
  /** Distinct approvers an APPROVAL needs: the largest `Extension.ApprovalQuorum` of the deciding policies (absent: one). */
  readonly approvalQuorum?: number;
  /** Offline, APPROVAL may be given by a signed response (approvals/offlineApproval.ts): the deciding policies allow it. */
  readonly offlineApproval?: boolean;
}

export interface ControlServices {
  readonly broker: PromptBroker;
  readonly mfa: MfaService;
  readonly approvals: ApprovalService;
  /** Present when this machine holds an offline-approval key shared with its fleet. */
  readonly offline?: OfflineApprovals | null;
}

export interface ControlProgress {
  /** A control is being asked now. */
  asking(control: DecisionSummary['controls'][number]): void;
  passed(control: DecisionSummary['controls'][number], detail: { justification?: string }): void;
}

/** How a flow ended: `reason` in English for the CLI, logs and audit, `reasonDetail` for windows to word. */
export interface FlowResult {
  readonly state: 'allowed' | 'denied';
  readonly reason: string;
  readonly reasonDetail?: ReasonDetail;
}

function denied(reason: string, reasonDetail: ReasonDetail): FlowResult {
  return { state: 'denied', reason, reasonDetail };
}

/**
 * A request the fleet could not take: unreachable is the seed's offline rule (the same reason as a
 * decision made offline), any other refusal is the server's own words.
 */
function filingFailed(error: unknown): FlowResult {
  if (error instanceof AgentError && error.code === AgentErrorCodes.Offline) {
    return denied('The agent is offline, and APPROVAL needs a network connection.', { code: 'offline-needs-network', values: { controls: ['APPROVAL'] } });
  }
  const message = (error as Error).message;
  return denied(`The fleet server refused the approval request: ${message}`, { code: 'approval-fleet-refused', values: { message } });
}

/** A signed offline approval; null when it passed, else how the request ended. */
async function approveOffline(
  request: PendingElevation,
  justification: string,
  broker: PromptBroker,
  offline: OfflineApprovals,
  abandoned: Promise<void>,
  progress: ControlProgress,
): Promise<FlowResult | null> {
  const outcome = await offline.ask(request, justification, broker, abandoned, () => progress.asking('APPROVAL'));
  if (outcome === 'abandoned') return denied('The requester went away before the offline approval was answered.', { code: 'approval-withdrawn', values: {} });
  return outcome.state === 'approved' ? null : denied(outcome.reason, outcome.reasonDetail);
}

/** The justification prompt (JUSTIFY, and the reason every approval request carries). */
async function askJustification(
  request: PendingElevation,
  broker: PromptBroker,
  settings: ControlSettings,
  online: () => boolean,
  control: 'JUSTIFY' | 'APPROVAL',
): Promise<string | FlowResult> {
  const spec: PromptSpec = {
    subject: request.subject,
    kind: 'justification',
    control,
    justification: { minLength: settings.justificationMinLength, maxLength: settings.justificationMaxLength, offline: !online() },
  };
  // The window enforces the same bounds; the agent checks them itself, as any client may answer.
  const answer = await broker.ask(request.uid, spec, settings.justificationTimeoutMs, (response) => {
    if (response.kind !== 'justification') return null;
    const length = response.text.trim().length;
    if (length < settings.justificationMinLength)
      return { reason: 'too-short', problem: `A justification needs at least ${settings.justificationMinLength} characters.` };
    if (length > settings.justificationMaxLength)
      return { reason: 'too-long', problem: `A justification has at most ${settings.justificationMaxLength} characters.` };
    return null;
  });
  if (answer.kind !== 'answered') return failure(answer, 'justification', request);
  if (answer.response.kind !== 'justification')
    return denied('The justification prompt got a wrong answer.', { code: 'justification-wrong-answer', values: {} });
  return answer.response.text.trim();
}

/** The pending notice outlives its approval's deadline by this much, so the approval's own timer always moves first. */
const APPROVAL_NOTICE_GRACE_MS = 60_000;
/** How long a decided notice stays up unless dismissed. */
const DECIDED_NOTICE_MS = 10 * 60_000;

/**
 * Waits for an admin approval while the requester sees the pending notice (kind `approval`): it is
 * re-sent when the request escalates, and once it is decided or expired (then it stays until the
 * requester dismisses it or DECIDED_NOTICE_MS pass). A `cancel` from the
 * requester withdraws the request; without a desktop the wait goes on (elevation.updated tells the CLI).
 */
async function awaitApproval(
  request: PendingElevation,
  first: Approval,
  broker: PromptBroker,
  approvals: ApprovalService,
  abandoned: Promise<void>,
): Promise<Approval | 'withdrawn' | 'abandoned'> {
  const notice = (approval: Approval): PromptSpec => ({
    subject: request.subject,
    kind: 'approval',
    control: 'APPROVAL',
    approval: {
      approvalId: approval.approvalId,
      status: approval.status,
      justification: approval.justification,
      sentTo: approvals.sentTo(approval.status, approval.approvalId),
      escalatedAt: approval.escalatedAt,
      expiresAt: approval.expiresAt,
      nextStep: approvals.nextStep(approval.status),
      decisionReason: approval.decision?.reason ?? null,
      decision: approval.decision,
      ...(approval.quorum ? { quorum: approval.quorum } : {}),
    },
  });
  const lifetime = (approval: Approval) => broker.msUntil(approval.expiresAt) + APPROVAL_NOTICE_GRACE_MS;
  const decision = approvals.waitForDecision(first.approvalId);
  const handle = broker.present(request.uid, notice(first), lifetime(first));
  const stopFollowing = approvals.onChange((approval) => {
    if (approval.approvalId === first.approvalId && (approval.status === 'Pending' || approval.status === 'Escalated'))
      handle.update(notice(approval), lifetime(approval));
  });
  try {
    const outcome = await Promise.race([
      decision.then((decided) => ({ decided })),
      handle.answer.then((answer) => ({ answer })),
      abandoned.then(() => ({ abandoned: true as const })),
    ]);
    if ('abandoned' in outcome) {
      handle.close('cancelled');
      return 'abandoned';
    }
    if ('decided' in outcome) {
      // The notice turns to the outcome (who decided, until when, or why not) until the requester dismisses it.
      handle.update(notice(outcome.decided), DECIDED_NOTICE_MS);
      return outcome.decided;
    }
    // Withdrawn, unless an approver or the timer got there first; any other end of the notice
    // (no desktop, the agent stopping) leaves the request to its approvers.
    if (outcome.answer.kind === 'cancelled' && approvals.withdraw(first.approvalId, request.uid)) return 'withdrawn';
    if (outcome.answer.kind === 'abandoned') return 'abandoned';
    const rest = await Promise.race([decision, abandoned.then(() => 'abandoned' as const)]);
    return rest;
  } finally {
    stopFollowing();
  }
}

const MFA_PROBLEMS = {
  'not-enrolled': 'Set up an authenticator app first.',
  invalid: 'That code is not valid.',
  replayed: 'That code was already used; wait for the next one.',
  locked: 'Too many wrong codes; try again later.',
} as const;

/** Why a refused code ended the request (the prompt's attempts are spent). */
const MFA_REFUSALS = {
  invalid: { code: 'mfa-code-invalid', reason: 'The MFA code was not valid, so the action is blocked. Ask again to enter a new code.' },
  replayed: { code: 'mfa-code-replayed', reason: 'The MFA code was already used, so the action is blocked. Ask again with the next code.' },
  locked: { code: 'mfa-locked', reason: 'Too many wrong MFA codes, so the action is blocked. Ask again once the lockout ends.' },
} as const;

/** The prompts whose failure ends a flow, and how the English reason names each. */
const PROMPT_WORDS = {
  justification: 'justification prompt',
  acknowledge: 'notice that needs acknowledging',
  'operator-approval': 'approval prompt',
  mfa: 'MFA prompt',
} as const;

/** Why an unanswered prompt fails its control, in words for the requester. */
function failure(answer: Exclude<PromptAnswer, { kind: 'answered' }>, prompt: keyof typeof PROMPT_WORDS, request: PendingElevation): FlowResult {
  const what = PROMPT_WORDS[prompt];
  // End-user approval only fails here when its fail-mode denies; the window's sentence says so too.
  const failMode = prompt === 'operator-approval' ? ' The fail-mode denies the action.' : '';
  switch (answer.kind) {
    case 'abandoned':
      return denied(`The requester went away before the ${what} was answered.${failMode}`, { code: `${prompt}-abandoned`, values: {} });
    case 'cancelled':
      return denied(`The ${what} was cancelled.${failMode}`, { code: `${prompt}-cancelled`, values: {} });
    case 'expired':
      return denied(`The ${what} was not answered in time.${failMode}`, { code: `${prompt}-expired`, values: {} });
    case 'undeliverable':
      return denied(`No verified desktop session of ${request.userName ?? 'the requesting user'} is connected to show the ${what}.${failMode}`, {
        code: `${prompt}-undeliverable`,
        values: { user: request.userName ?? String(request.uid) },
      });
  }
}

/**
 * End-user approval's fail-mode for an unanswered prompt: nobody answered in time (`onTimeout`) or
 * no desktop could show it (`whenUndeliverable`); a cancel or a requester who went away always denies.
 */
function operatorFailMode(kind: Exclude<PromptAnswer, { kind: 'answered' }>['kind'], settings: ControlSettings): 'deny' | 'allow' {
  if (kind === 'expired') return settings.operatorApprovalOnTimeout;
  if (kind === 'undeliverable') return settings.operatorApprovalWhenUndeliverable;
  return 'deny';
}

/**
 * Runs the controls of one pending request in their presentation order; every control must pass,
 * and the first that is denied, cancelled, times out or cannot be shown ends the request denied.
 */
export async function runControls(
  request: PendingElevation,
  { broker, mfa, approvals, offline }: ControlServices,
  settings: ControlSettings,
  online: () => boolean,
  progress: ControlProgress,
  /** Resolves if the connection that made the request goes away. */
  abandoned: Promise<void> = new Promise(() => {}),
): Promise<FlowResult> {
  const base = { subject: request.subject };
  for (const control of request.decision.controls) {
    progress.asking(control);
    switch (control) {
      case 'JUSTIFY': {
        const justification = await askJustification(request, broker, settings, online, control);
        if (typeof justification !== 'string') return justification;
        progress.passed(control, { justification });
        break;
      }
      case 'NOTIFY': {
        const text = request.notification?.message ?? '';
        const spec: PromptSpec = { ...base, kind: 'message', control, message: { text, requiresAcknowledge: true, tone: 'info' } };
        if (request.notification?.requiresAcknowledge) {
          const answer = await broker.ask(request.uid, spec, settings.acknowledgeTimeoutMs);
          if (answer.kind !== 'answered') return failure(answer, 'acknowledge', request);
        } else {
          // A plain notice never blocks: shown if a desktop is there, and the flow goes on.
          void broker.ask(request.uid, { ...spec, message: { text, requiresAcknowledge: false, tone: 'info' } }, settings.acknowledgeTimeoutMs);
        }
        progress.passed(control, {});
        break;
      }
      case 'OPERATORAPPROVAL': {
        const spec: PromptSpec = {
          ...base,
          kind: 'operatorApproval',
          control,
          operatorApproval: {
            agentProcess: request.agentic?.parentProcess ?? request.subject.executable,
            aiLikelihoodPercent: request.agentic?.aiLikelihoodPercent ?? null,
            onTimeout: settings.operatorApprovalOnTimeout,
          },
        };
        const answer = await broker.ask(request.uid, spec, settings.operatorApprovalTimeoutMs);
        if (answer.kind === 'answered') {
          if (answer.response.kind !== 'operatorApproval' || !answer.response.approve) {
            return denied('The user at the endpoint denied the action.', { code: 'operator-denied', values: {} });
          }
        } else if (operatorFailMode(answer.kind, settings) === 'deny') {
          return failure(answer, 'operator-approval', request);
        }
        progress.passed(control, {});
        break;
      }
      case 'MFA': {
        // Within the session window the same action type is not asked again.
        if (mfa.hasSession(request.uid, request.actionType)) {
          progress.passed(control, {});
          break;
        }
        const spec: PromptSpec = {
          ...base,
          kind: 'mfa',
          control,
          mfa: { enrolled: mfa.status(request.uid).enrolled, actionType: request.actionType, sessionMinutes: settings.mfaSessionMinutes },
        };
        // The seed blocks the action on an invalid or expired code: once the prompt's attempts are
        // spent, the refused code ends the request (a missing enrollment never counts).
        let attempts = 0;
        let refused = null as Exclude<MfaVerifyFailure, 'not-enrolled'> | null;
        const prompt = broker.present(request.uid, spec, settings.mfaTimeoutMs, async (response) => {
          if (response.kind !== 'mfa') return null;
          const result = await mfa.verify(request.uid, request.actionType, response.code, request.requestId);
          if (result.ok) return null;
          const ended = result.reason !== 'not-enrolled' && ++attempts >= settings.mfaCodeAttemptsPerPrompt ? result.reason : null;
          if (ended !== null) {
            // Closing resolves the answer; this refusal still reaches the window that sent the code.
            refused = ended;
            prompt.close('answered');
          }
          return {
            reason: result.reason,
            // The window says why the request ended, once the prompt it answered is gone.
            ...(ended !== null ? { reasonDetail: { code: MFA_REFUSALS[ended].code, values: {} } } : {}),
            problem: MFA_PROBLEMS[result.reason],
            ...(result.retriesLeft !== undefined ? { retriesLeft: result.retriesLeft } : {}),
            ...(result.lockedUntil !== undefined ? { lockedUntil: result.lockedUntil } : {}),
          };
        });
        const answer = await prompt.answer;
        if (refused !== null) return denied(MFA_REFUSALS[refused].reason, { code: MFA_REFUSALS[refused].code, values: {} });
        if (answer.kind !== 'answered') return failure(answer, 'mfa', request);
        progress.passed(control, {});
        break;
      }
      case 'APPROVAL': {
        const { path, sha256, commandLine } = { path: request.subject.executable, sha256: request.subject.sha256, commandLine: request.subject.commandLine };
        // An open request for the same command is waited on, an approved unused one is consumed:
        // a user who asks again (or after a restart) never files a duplicate.
        let approval = approvals.findReusable(request.uid, sha256, commandLine, request.cwd);
        if (!approval) {
          const justification = await askJustification(request, broker, settings, online, control);
          if (typeof justification !== 'string') return justification;
          progress.passed('JUSTIFY', { justification });
          // Offline (or the fleet turns out unreachable), a policy that allows it takes a signed response instead.
          const offlineFlow = request.offlineApproval && offline ? offline : null;
          if (offlineFlow && !online()) {
            const ended = await approveOffline(request, justification, broker, offlineFlow, abandoned, progress);
            if (ended) return ended;
            progress.passed(control, {});
            break;
          }
          try {
            approval = await approvals.open({
              requestId: request.requestId,
              requester: { uid: request.uid, name: request.userName },
              machine: request.machine,
              application: { path, sha256, commandLine, signer: request.signer ?? null },
              cwd: request.cwd,
              justification,
              matchedPolicies: request.decision.matched,
              agentic: request.agentic
                ? {
                    parentProcess: request.agentic.parentProcess,
                    aiLikelihoodPercent: request.agentic.aiLikelihoodPercent,
                    signals: [...(request.agentic.signals ?? [])],
                  }
                : null,
              ...(request.approvalQuorum !== undefined && request.approvalQuorum > 1 ? { quorum: request.approvalQuorum } : {}),
            });
          } catch (error) {
            if (!offlineFlow || !(error instanceof AgentError && error.code === AgentErrorCodes.Offline)) return filingFailed(error);
            const ended = await approveOffline(request, justification, broker, offlineFlow, abandoned, progress);
            if (ended) return ended;
            progress.passed(control, {});
            break;
          }
        }
        progress.asking(control);
        const decided = await awaitApproval(request, approval, broker, approvals, abandoned);
        if (decided === 'abandoned') {
          // Not withdrawn and not consumed: approvers may still decide, and asking again uses it.
          return denied('The requester went away; the approval request stays open, and asking again once it is approved uses it.', {
            code: 'approval-requester-left',
            values: {},
          });
        }
        if (decided === 'withdrawn' || (decided.status === 'Expired' && decided.decision?.reason === WITHDRAWN_REASON)) {
          return denied('The approval request was withdrawn by the requester.', { code: 'approval-withdrawn', values: {} });
        }
        if (decided.status === 'Denied') {
          const who = decided.decision?.by.name ?? 'an approver';
          const comment = decided.decision?.reason;
          const reason = `Denied by ${who}${comment ? `: ${comment}` : '.'}`;
          const approver = decided.decision?.by.name ?? String(decided.decision?.by.uid ?? '');
          // The approver's comment is their own words, carried verbatim.
          const detail: ReasonDetail = comment
            ? { code: 'approval-denied-comment', values: { approver, comment } }
            : { code: 'approval-denied', values: { approver } };
          // The requester's desktop shows the approver's reason too (KeeperMessage), not only the command's output; a notice, never a wait.
          void broker.ask(
            request.uid,
            { ...base, kind: 'message', control, message: { text: reason, requiresAcknowledge: false, tone: 'error', reasonDetail: detail } },
            settings.acknowledgeTimeoutMs,
          );
          return denied(reason, detail);
        }
        if (decided.status !== 'Approved') return denied('The approval request expired before anyone decided it.', { code: 'approval-expired', values: {} });
        if (!approvals.consume(decided.approvalId, request.requestId)) {
          return denied('This approval was already used or is no longer valid.', { code: 'approval-used', values: {} });
        }
        progress.passed(control, {});
        break;
      }
    }
  }
  return { state: 'allowed', reason: 'Every control passed.', reasonDetail: { code: 'controls-passed', values: {} } };
}
