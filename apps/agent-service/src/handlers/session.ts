import { randomUUID } from 'node:crypto';
import { AgentError, AgentErrorCodes, PROTOCOL_VERSION, SessionHello, type PeerIdentity } from '../../../../shared/protocol/src/common/index.ts';
import type { DesktopVerdict } from '../identity/desktopSessions.ts';
import { route, type ConnectionContext, type RegisteredHandler } from '../ipc/agentConnection.ts';

/**
 * `session.hello`. A client of kind `desktop` is checked once, here, against the OS login sessions
 * (`checkDesktop`); the verdict stays on the connection. An unverified desktop still connects (it may
 * read its own status) but is never offered a prompt and may not answer one.
 */
export function sessionHandlers(
  agentVersion: string,
  onSessionStarted: (context: ConnectionContext) => void,
  checkDesktop: (peer: PeerIdentity) => Promise<DesktopVerdict>,
  onUnverifiedDesktop: (context: ConnectionContext, verdict: DesktopVerdict) => void = () => {},
): RegisteredHandler[] {
  return [
    route(
      SessionHello,
      async (params, context) => {
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
        const isDesktop = params.client.kind === 'desktop';
        // Set before the check runs, so a second hello is refused; until the verdict, it is no desktop.
        const session = { sessionId: randomUUID(), clientKind: params.client.kind, desktop: null };
        context.session = session;
        const verdict = isDesktop ? await checkDesktop(context.peer) : null;
        context.session = { ...session, desktop: verdict };
        if (verdict && !verdict.verified) onUnverifiedDesktop(context, verdict);
        // After this answer is sent, so a desktop sees its hello result before any prompt.
        setImmediate(() => onSessionStarted(context));
        return {
          protocolVersion: PROTOCOL_VERSION,
          agentVersion,
          sessionId: session.sessionId,
          peer: context.peer,
          ...(verdict ? { desktop: verdict.verified ? { verified: true } : { verified: false, reason: verdict.reason } } : {}),
        };
      },
      { beforeSession: true },
    ),
  ];
}
