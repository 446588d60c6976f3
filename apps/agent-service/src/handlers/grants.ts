import { AgentError, AgentErrorCodes, GrantsList, GrantsRevoke } from '../../../../shared/protocol/src/common/index.ts';
import type { GrantService } from '../elevation/grantService.ts';
import { route, type ConnectionContext, type RegisteredHandler } from '../ipc/agentConnection.ts';

/** Grants belong to the user the kernel says is calling; nobody lists or revokes another user's. */
function callerUid(context: ConnectionContext): number {
  if (context.peer.uid === null) throw new AgentError(AgentErrorCodes.Unauthorized, 'the agent cannot tell who is asking (no peer credentials)');
  return context.peer.uid;
}

export function grantHandlers(grants: GrantService): RegisteredHandler[] {
  return [
    route(GrantsList, (params, context) => ({ grants: grants.list(callerUid(context), params?.includeEnded ?? false) })),
    route(GrantsRevoke, (params, context) => grants.revoke(callerUid(context), params.grantId)),
  ];
}
