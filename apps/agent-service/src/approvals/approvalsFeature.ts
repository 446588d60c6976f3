import type { AuditLog } from '../audit/auditLog.ts';
import type { FleetFeature } from '../fleet/fleetFeature.ts';
import { QueueHints } from '../fleet/queueHints.ts';
import { approvalHandlers } from '../handlers/approvals.ts';
import { lookupAccountAsync } from '../identity/accounts.ts';
import type { ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import type { Notifier } from '../ipc/notifier.ts';
import { childLogger, type Logger } from '../log/logger.ts';
import type { AgentFeature } from '../runtime/agentFeature.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { Clock, Scheduler } from '../time/clock.ts';
import { ApprovalService } from './approvalService.ts';
import type { ApprovalSettings } from './approvalSettings.ts';
import { openOfflineApprovals, type OfflineApprovals } from './offlineApproval.ts';

export interface ApprovalsFeatureOptions {
  readonly settings: ApprovalSettings;
  readonly dataDir: string;
  readonly fleet: FleetFeature;
  readonly db: AgentDatabase;
  readonly audit: AuditLog;
  readonly registry: ConnectionRegistry;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly log: Logger;
}

export interface ApprovalsFeature extends AgentFeature {
  readonly approvals: ApprovalService;
  /** Signed offline approvals, when this machine holds a key shared with its fleet. */
  readonly offline: OfflineApprovals | null;
}

/**
 * Approval requests and the approvers' queue (`approvals.*`). Alone, requests wait here for this
 * machine's approvers; with a fleet they are filed there, the queue is relayed to it, its hints reach
 * the approvers' windows, and signed offline approvals cover the time it cannot be reached.
 */
export function createApprovals({ settings, dataDir, fleet, db, audit, registry, notifier, clock, scheduler, log }: ApprovalsFeatureOptions): ApprovalsFeature {
  const link = fleet.link;
  const approvals = new ApprovalService({
    db,
    clock,
    scheduler,
    audit,
    registry,
    notifier,
    log: childLogger(log, 'approvals'),
    settings,
    accounts: lookupAccountAsync,
    ...(link ? { remote: { file: (input) => link.approvals.file(input) } } : {}),
  });
  approvals.resume();
  const hints = link
    ? new QueueHints({
        relay: () => link.client.relay,
        registry,
        notifier,
        log: childLogger(log, 'queueHints'),
        accounts: lookupAccountAsync,
        watch: (on) => link.client.watchQueue(on),
      })
    : null;
  fleet.follow({ approvalUpdated: (approval) => approvals.applyRemote(approval), queueChanged: (approvalId) => hints?.changed(approvalId) });
  const offline = link
    ? openOfflineApprovals(dataDir, { clock, audit, expiryMinutes: settings.requestExpiryMinutes, allowSelfApproval: settings.allowSelfApproval }, (message) =>
        log.error(message),
      )
    : null;
  return {
    name: 'approvals',
    approvals,
    offline,
    handlers: approvalHandlers(
      approvals,
      link && hints ? { relay: link.client.relay, accounts: lookupAccountAsync, audit, clock, log: childLogger(log, 'approvalRelay'), hints } : undefined,
    ),
    dispose: () => approvals.stop(),
  };
}
