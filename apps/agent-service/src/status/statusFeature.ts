import { AgentStatusChanged } from '../../../../shared/protocol/src/common/index.ts';
import type { ApproverRoles } from '../approvals/approverRoles.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { agentHandlers, agentSettingsHandlers } from '../handlers/agent.ts';
import type { Notifier } from '../ipc/notifier.ts';
import type { Logger } from '../log/logger.ts';
import type { AgentFeature } from '../runtime/agentFeature.ts';
import type { Clock } from '../time/clock.ts';
import type { StatusService } from './statusService.ts';

/** `agent.*` (status, online switch, permissions, log level), and every status change pushed to the sessions as `agent.statusChanged`. */
export function createStatus({
  status,
  notifier,
  audit,
  roles,
  clock,
  log,
}: {
  status: StatusService;
  notifier: Notifier;
  audit: AuditLog;
  roles: Pick<ApproverRoles, 'rolesOf'>;
  clock: Clock;
  /** The agent's root logger: `agent.setLogLevel` sets its level, and every service's follows. */
  log: Logger;
}): AgentFeature {
  const stopForwarding = status.onChanged((snapshot) => notifier.send({ to: 'sessions' }, AgentStatusChanged, snapshot));
  const deps = { status, audit, roles, clock, log };
  return { name: 'status', handlers: [...agentHandlers(deps), ...agentSettingsHandlers(deps)], dispose: stopForwarding };
}
