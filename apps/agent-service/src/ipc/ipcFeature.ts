import { sessionHandlers } from '../handlers/session.ts';
import { verifyDesktopPeer, type DesktopSessionMode } from '../identity/desktopSessions.ts';
import { childLogger, type Logger } from '../log/logger.ts';
import type { AgentFeature } from '../runtime/agentFeature.ts';
import { Plugins } from '../status/plugins.ts';
import type { StatusService } from '../status/statusService.ts';
import { AGENT_VERSION } from '../version.ts';
import type { RegisteredHandler } from './agentConnection.ts';
import type { ConnectionLimits } from './connectionLimits.ts';
import { ConnectionRegistry } from './connectionRegistry.ts';
import { Notifier } from './notifier.ts';
import { SocketServer } from './socketServer.ts';

export interface IpcFeatureOptions {
  readonly socket: string;
  readonly isRoot: boolean;
  readonly limits: ConnectionLimits;
  /** Which connections count as a person's desktop (identity/desktopSessions.ts). */
  readonly desktopSessions: DesktopSessionMode;
  readonly logindDir: string;
  readonly status: StatusService;
  readonly log: Logger;
}

export interface IpcFeature extends AgentFeature {
  readonly registry: ConnectionRegistry;
  readonly notifier: Notifier;
  /** Whether the socket was bound (see SocketServer.served). */
  readonly served: boolean;
  /** Binds the socket and serves every feature's handlers on it. */
  listen(handlers: readonly RegisteredHandler[]): Promise<void>;
}

/** The socket, its connections and the one way to reach them (the notifier); serves `session.hello`. */
export function createIpc({ socket, isRoot, limits, desktopSessions, logindDir, status, log }: IpcFeatureOptions): IpcFeature {
  const registry = new ConnectionRegistry();
  const notifier = new Notifier({ registry, log: childLogger(log, 'notifier') });
  const server = new SocketServer({ path: socket, isRoot, limits, registry, log: childLogger(log, 'ipc') });
  return {
    name: 'ipc',
    registry,
    notifier,
    handlers: sessionHandlers(
      AGENT_VERSION,
      (context) => registry.sessionStarted(context),
      (peer) => verifyDesktopPeer(peer, { mode: desktopSessions, logindDir }),
      (context, verdict) =>
        log.info({ uid: context.peer.uid, pid: context.peer.pid, verdict }, 'a desktop connected that is not a verified desktop session; it gets no prompts'),
    ),
    get served() {
      return server.served;
    },
    async listen(handlers) {
      await server.listen(handlers);
      status.setPlugin(Plugins.ipc, 'Healthy');
    },
    dispose: () => server.close(),
  };
}
