import type { FleetApproval } from '../../../../shared/protocol/src/common/fleet.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { childLogger, type Logger } from '../log/logger.ts';
import type { AgentFeature } from '../runtime/agentFeature.ts';
import type { StatusService } from '../status/statusService.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { Clock } from '../time/clock.ts';
import type { AgentFleet } from './agentFleet.ts';

export interface FleetFeatureOptions {
  /** The fleet server this machine registered with, or null to work alone. */
  readonly url: string | null;
  readonly dataDir: string;
  /** --offline: the fleet is not contacted, and the agent stays offline. */
  readonly forcedOffline: boolean;
  readonly db: AgentDatabase;
  readonly audit: AuditLog;
  readonly status: StatusService;
  readonly clock: Clock;
  readonly log: Logger;
  /** A new policy set was installed (its folders swapped in by rename): load it now. */
  readonly onPolicySet: () => void;
}

/** What the fleet tells the approvals feature: a filed request changed, or an approver queue did. */
export interface FleetFollower {
  readonly approvalUpdated: (approval: FleetApproval) => void;
  readonly queueChanged: (approvalId: string) => void;
}

export interface FleetFeature extends AgentFeature {
  /** The fleet link, or null without --fleet. */
  readonly link: AgentFleet | null;
  /** Hands fleet events to the approvals feature, which is built on the link (so after it). */
  follow(follower: FleetFollower): void;
  /** Starts talking to the fleet (unless --offline holds the agent offline). */
  start(): void;
}

/**
 * The link to the fleet server (policy sync, audit outbox, approvals filed there), contacted once the agent serves.
 * Its clients (ws, and with it https, tls and zlib: ~5 MB resident) are loaded only with --fleet.
 */
export async function createFleet({ url, dataDir, forcedOffline, db, audit, status, clock, log, onPolicySet }: FleetFeatureOptions): Promise<FleetFeature> {
  let follower: FleetFollower | null = null;
  const link = url
    ? (await import('./agentFleet.ts')).connectFleet({
        dataDir,
        db,
        audit,
        status,
        clock,
        log: childLogger(log, 'fleet'),
        forcedOffline,
        onApprovalUpdated: (approval) => follower?.approvalUpdated(approval),
        onQueueChanged: (approvalId) => follower?.queueChanged(approvalId),
        onPolicySet,
      })
    : null;
  return {
    name: 'fleet',
    link,
    handlers: [],
    follow(next) {
      follower = next;
    },
    start: () => link?.start(),
    dispose: () => link?.stop(),
  };
}
