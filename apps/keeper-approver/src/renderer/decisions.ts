import type { ApproverQueueService, OfflineResponseOutcome } from '../../../../shared/bridge/src/common/services/approverQueue.ts';
import type { ServiceClient } from '../../../../shared/bridge/src/common/serviceDescriptor.ts';
import { approverActions, useApproverWindow } from './store.ts';

let service: ServiceClient<typeof ApproverQueueService> | null = null;

export function setApproverService(client: ServiceClient<typeof ApproverQueueService>): void {
  service = client;
}

/** Sends the confirmed decision: one request alone, several each on its own (each gets its own outcome). */
export async function sendConfirmedDecision(): Promise<void> {
  const pending = useApproverWindow.getState().confirming;
  if (!pending || !service) return;
  approverActions.decisionStarted();
  const params = pending.approvalIds.map((approvalId) => ({
    approvalId,
    decision: pending.decision,
    ...(pending.reason.trim() ? { reason: pending.reason.trim() } : {}),
    ...(pending.decision === 'approve' ? { usableMinutes: pending.usableMinutes } : {}),
  }));
  try {
    approverActions.decided(params.length === 1 ? [await service.decide(params[0]!)] : await service.decideMany(params));
  } catch (error) {
    approverActions.decided(
      params.map((p) => ({ ok: false, approvalId: p.approvalId, reason: 'unavailable', message: (error as Error).message, approval: null })),
    );
  }
}

export async function setToasts(enabled: boolean): Promise<void> {
  if (!service) return;
  // Shown at once; main's answer (and settings$) confirms it, or the old setting comes back when main could not keep it.
  const before = useApproverWindow.getState().settings;
  approverActions.settingsChanged({ toasts: enabled });
  try {
    approverActions.settingsChanged(await service.setToasts(enabled));
  } catch {
    if (before) approverActions.settingsChanged(before);
  }
}

/** Signed offline approval: the response to an offline machine's challenge, for this desktop's user. */
export async function requestOfflineResponse(machine: string, challenge: string): Promise<OfflineResponseOutcome> {
  if (!service) return { ok: false, reason: 'unavailable', message: 'not connected' };
  try {
    return await service.offlineResponse({ machine, challenge });
  } catch (error) {
    return { ok: false, reason: 'unavailable', message: (error as Error).message };
  }
}
