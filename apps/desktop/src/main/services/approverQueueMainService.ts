import { BehaviorSubject } from 'rxjs';
import {
  AgentError,
  AgentErrorCodes,
  Approval,
  ApprovalsDecide,
  ApprovalsOfflineResponse,
  JsonRpcErrorCodes,
  type ParamsInput,
} from '../../../../../shared/protocol/src/common/index.ts';
import type {
  ApproverQueueService,
  DecisionOutcome,
  DecisionProblem,
  OfflineResponseOutcome,
} from '../../../../../shared/bridge/src/common/services/approverQueue.ts';
import type { ServiceImplementation } from '../../../../../shared/bridge/src/common/serviceDescriptor.ts';
import type { AgentLink } from '../agent/agentLink.ts';
import type { ApproverQueue } from '../approvals/approverQueue.ts';
import type { ApproverSettingsFile } from '../approvals/approverSettingsFile.ts';
import type { Toaster } from '../notifications/toaster.ts';

/** The toast category of a new request, muted by the approver's setting. */
export const APPROVAL_TOAST_CATEGORY = 'approval-request';

const PROBLEMS: Readonly<Record<number, DecisionProblem>> = {
  [AgentErrorCodes.Conflict]: 'already-decided',
  [AgentErrorCodes.Expired]: 'expired',
  [AgentErrorCodes.Unauthorized]: 'not-allowed',
  [AgentErrorCodes.NotFound]: 'not-found',
};

/** The agent's refusal as the window tells it; a Conflict carries the request as it now stands. */
export function decisionRefusal(approvalId: string, error: unknown): Extract<DecisionOutcome, { ok: false }> {
  if (!(error instanceof AgentError)) return { ok: false, approvalId, reason: 'unavailable', message: (error as Error).message, approval: null };
  const current = Approval.safeParse((error.data as { approval?: unknown } | undefined)?.approval);
  return { ok: false, approvalId, reason: PROBLEMS[error.code] ?? 'unavailable', message: error.message, approval: current.success ? current.data : null };
}

/** Why no response was made, as the window tells the approver (the agent's or the fleet's words in `message`; InvalidParams: a malformed challenge or an ambiguous machine name). */
function offlineRefusal(error: unknown): Extract<OfflineResponseOutcome, { ok: false }> {
  const message = (error as Error).message;
  if (!(error instanceof AgentError)) return { ok: false, reason: 'unavailable', message };
  if (error.code === AgentErrorCodes.Unauthorized) return { ok: false, reason: 'not-allowed', message };
  if (error.code === AgentErrorCodes.NotFound) return { ok: false, reason: 'not-found', message };
  if (error.code === JsonRpcErrorCodes.InvalidParams) return { ok: false, reason: 'invalid', message };
  return { ok: false, reason: 'unavailable', message };
}

/**
 * The approver window's face of the queue: decisions go to the agent as this desktop's user (it
 * checks roles, self-approval and that each request is decided once); every answer, and the
 * current state a refusal carries, updates the queue at once so the window never shows stale rows.
 * The toast setting is the approver's own, kept in `settingsFile` across restarts.
 */
export function approverQueueMainService(
  link: AgentLink,
  queue: ApproverQueue,
  toaster: Toaster,
  settingsFile: ApproverSettingsFile,
): ServiceImplementation<typeof ApproverQueueService> {
  const settings = new BehaviorSubject(settingsFile.read());
  toaster.mute(APPROVAL_TOAST_CATEGORY, !settings.value.toasts);
  const decide = async (params: ParamsInput<typeof ApprovalsDecide>): Promise<DecisionOutcome> => {
    try {
      const approval = await link.request(ApprovalsDecide, params);
      queue.apply(approval);
      return { ok: true, approval };
    } catch (error) {
      const refusal = decisionRefusal(params.approvalId, error);
      if (refusal.approval) queue.apply(refusal.approval);
      return refusal;
    }
  };
  return {
    queue$: () => queue.queue$,
    decide,
    // One after the other: each request gets its own single decision and its own outcome.
    decideMany: async (list) => {
      const outcomes: DecisionOutcome[] = [];
      for (const params of list) outcomes.push(await decide(params));
      return outcomes;
    },
    offlineResponse: async (params) => {
      try {
        return { ok: true, ...(await link.request(ApprovalsOfflineResponse, params)) };
      } catch (error) {
        return offlineRefusal(error);
      }
    },
    settings$: () => settings.asObservable(),
    setToasts: (enabled) => {
      // Saved first: a choice that cannot be kept is refused, not silently lost at the next start.
      settingsFile.write({ ...settings.value, toasts: enabled });
      toaster.mute(APPROVAL_TOAST_CATEGORY, !enabled);
      settings.next({ ...settings.value, toasts: enabled });
      return Promise.resolve(settings.value);
    },
  };
}
