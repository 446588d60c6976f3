import { randomUUID } from 'node:crypto';
import {
  AgentError,
  AgentErrorCodes,
  PROTOCOL_VERSION,
  SessionHello,
} from '../../../../shared/protocol/src/common/index.ts';
import { route, type ConnectionContext, type RegisteredHandler } from '../ipc/agentConnection.ts';

export function sessionHandlers(agentVersion: string, onSessionStarted: (context: ConnectionContext) => void): RegisteredHandler[] {
  return [
    route(
      SessionHello,
      (params, context) => {
        if (params.protocolVersion !== PROTOCOL_VERSION) {
          throw new AgentError(
            AgentErrorCodes.ProtocolVersionMismatch,
            `this agent speaks protocol version ${PROTOCOL_VERSION}; the client asked for ${params.protocolVersion}`,
            { supported: [PROTOCOL_VERSION] },
          );
        }
        if (context.session) {
          throw new AgentError(AgentErrorCodes.Conflict, 'session.hello was already called on this connection');
        }
        context.session = { sessionId: randomUUID(), clientKind: params.client.kind };
        // After this answer is sent, so a desktop sees its hello result before any prompt.
        setImmediate(() => onSessionStarted(context));
        return {
          protocolVersion: PROTOCOL_VERSION,
          agentVersion,
          sessionId: context.session.sessionId,
          peer: context.peer,
        };
      },
      { beforeSession: true },
    ),
  ];
}
