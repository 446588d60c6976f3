import type { FleetApproval } from '../../../../shared/protocol/src/common/fleet.ts';
import type { NewApproval, RemoteApprovals } from '../approvals/approvalService.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import type { Logger } from '../log/logger.ts';
import type { StatusService } from '../status/statusService.ts';
import type { Clock } from '../time/clock.ts';
import type { AgentDatabase } from '../store/database.ts';
import { SqliteAuditOutbox } from './auditOutbox.ts';
import { FleetClient, type FleetStatus } from './fleetClient.ts';

/** The fleet's view of a request this machine files (`requester.name` falls back to the uid, as approvers need a name). */
export function fileRequest(input: NewApproval) {
  return {
    requestId: input.requestId,
    requester: { uid: input.requester.uid, name: input.requester.name ?? String(input.requester.uid) },
    application: {
      path: input.application.path,
      sha256: input.application.sha256,
      commandLine: input.application.commandLine,
      signer: input.application.signer ?? null,
    },
    workingDirectory: input.cwd,
    justification: input.justification,
    matchedPolicies: [...input.matchedPolicies],
    ...(input.quorum !== undefined && input.quorum > 1 ? { quorum: input.quorum } : {}),
    // Always said (null: none detected), so the fleet tells this agent from an older one that says nothing.
    agentic: input.agentic ?? null,
  };
}

export interface AgentFleet {
  readonly client: FleetClient;
  readonly approvals: RemoteApprovals;
  status(): FleetStatus;
  start(): void;
  stop(): void;
}

/**
 * The running agent's fleet link: its audit log is the outbox, the fleet's reachability is the
 * agent's online state (unless --offline holds it offline), and a newly installed policy set is
 * loaded at once (`onPolicySet`).
 */
export function connectFleet(deps: {
  dataDir: string;
  db: AgentDatabase;
  audit: AuditLog;
  status: StatusService;
  clock: Clock;
  log: Logger;
  forcedOffline: boolean;
  onApprovalUpdated: (approval: FleetApproval) => void;
  onQueueChanged: (approvalId: string) => void;
  onPolicySet: () => void;
}): AgentFleet {
  const client = new FleetClient({
    dataDir: deps.dataDir,
    log: deps.log,
    outbox: new SqliteAuditOutbox({ db: deps.db }),
    onApprovalUpdated: deps.onApprovalUpdated,
    onQueueChanged: deps.onQueueChanged,
  });
  let installed = `${client.status.policyVersion}:${client.status.lastSync}`;
  deps.status.setFleet(client.status);
  client.on('status', (fleet) => {
    deps.status.setFleet(fleet);
    const set = `${fleet.policyVersion}:${fleet.lastSync}`;
    if (set !== installed) {
      installed = set;
      deps.log.info({ version: fleet.policyVersion }, 'fleet policy set installed');
      deps.onPolicySet();
    }
    if (deps.forcedOffline || deps.status.online === fleet.online) return;
    deps.audit.append(
      { type: fleet.online ? 'backend.online' : 'backend.offline', actorUid: null, requestId: null, data: { fleet: fleet.url } },
      deps.clock.now(),
    );
    deps.status.setOnline(fleet.online);
  });
  // New events go out at once while online; offline they wait, and the next connect drains them.
  const stopDraining = deps.audit.onAppended(() => {
    // Events not sent stay in the outbox: the next connect or append drains them again.
    if (client.isOnline)
      void client
        .drainOutbox()
        .catch((error: unknown) =>
          deps.log.debug({ err: error instanceof Error ? error.message : String(error) }, 'audit outbox not drained; events stay queued'),
        );
  });
  return {
    client,
    approvals: { file: (input) => client.fileApproval(fileRequest(input)), withdraw: (requestId) => client.withdrawApproval(requestId) },
    status: () => client.status,
    start: () => {
      if (!deps.forcedOffline) client.start();
    },
    stop: () => {
      stopDraining();
      client.stop();
    },
  };
}
