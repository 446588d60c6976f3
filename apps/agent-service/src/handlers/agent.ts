import {
  AgentError,
  AgentErrorCodes,
  AgentPermissionsRequest,
  AgentSetLogLevel,
  AgentSetOnline,
  AgentStatusRequest,
} from '../../../../shared/protocol/src/common/index.ts';
import type { ApproverRoles } from '../approvals/approverRoles.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { route, type RegisteredHandler } from '../ipc/agentConnection.ts';
import { setLogLevel, type Logger } from '../log/logger.ts';
import type { StatusService } from '../status/statusService.ts';
import type { Clock } from '../time/clock.ts';

export interface AgentHandlerDependencies {
  readonly status: StatusService;
  readonly audit: AuditLog;
  readonly roles: Pick<ApproverRoles, 'rolesOf'>;
  readonly clock: Clock;
  /** The agent's root logger, whose level `agent.setLogLevel` sets. */
  readonly log: Logger;
}

export function agentHandlers({ status, audit, roles, clock }: AgentHandlerDependencies): RegisteredHandler[] {
  return [
    route(AgentStatusRequest, () => status.snapshot()),
    route(AgentSetOnline, async ({ online }, context) => {
      if (!(await roles.rolesOf(context.peer.uid)).includes('administrator')) {
        throw new AgentError(AgentErrorCodes.Unauthorized, 'only administrators may switch the backend connection');
      }
      audit.append({ type: online ? 'backend.online' : 'backend.offline', actorUid: context.peer.uid, requestId: null, data: {} }, clock.now());
      status.setOnline(online);
      return { online: status.online };
    }),
  ];
}

/** The caller's permissions, and the live log level switch (administrators only, audited). */
export function agentSettingsHandlers({ status, audit, roles, clock, log }: AgentHandlerDependencies): RegisteredHandler[] {
  return [
    route(AgentPermissionsRequest, async (_params, context) => {
      const held = await roles.rolesOf(context.peer.uid);
      return { roles: held, canSetLogLevel: held.includes('administrator') };
    }),
    route(AgentSetLogLevel, async ({ level }, context) => {
      if (!(await roles.rolesOf(context.peer.uid)).includes('administrator')) {
        audit.append({ type: 'agent.logLevel.refused', actorUid: context.peer.uid, requestId: null, data: { level } }, clock.now());
        throw new AgentError(AgentErrorCodes.Unauthorized, 'only administrators may change the log level');
      }
      const previous = status.snapshot().logLevel;
      setLogLevel(log, level);
      status.setLogLevel(level);
      audit.append({ type: 'agent.logLevel', actorUid: context.peer.uid, requestId: null, data: { from: previous, to: level } }, clock.now());
      log.info({ from: previous, to: level, uid: context.peer.uid }, 'log level changed');
      return { level };
    }),
  ];
}
