import { unlinkSync } from 'node:fs';
import type net from 'node:net';
import { AgentErrorCodes } from '../../../../shared/protocol/src/common/index.ts';
import { DEFAULT_FRAME_LIMITS } from '../../../../shared/protocol/src/node/frameGuard.ts';
import { encodeFrame } from '../../../../shared/protocol/src/node/frameWriter.ts';
import type { Logger } from '../log/logger.ts';
import { acceptConnection, type RegisteredHandler } from './agentConnection.ts';
import { agentLimitRefusal, userLimitRefusal, type ConnectionLimits } from './connectionLimits.ts';
import type { ConnectionRegistry } from './connectionRegistry.ts';
import { listenOnSocket } from './socketListener.ts';

export interface SocketServerOptions {
  readonly path: string;
  readonly isRoot: boolean;
  readonly limits: ConnectionLimits;
  readonly registry: ConnectionRegistry;
  readonly log: Logger;
}

/** Answers a connection over a limit with one JSON-RPC error, then hangs up. */
function refuse(socket: net.Socket, message: string): void {
  const response = { jsonrpc: '2.0', id: null, error: { code: AgentErrorCodes.TooManyRequests, message } };
  socket.end(encodeFrame(response));
}

/**
 * The agent's socket: admits connections within the agent-wide and per-user limits, serves each with
 * the handlers it listens with, and keeps the registry of open connections. Closing destroys every
 * socket still open and removes the socket file.
 */
export class SocketServer {
  private readonly options: SocketServerOptions;
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | null = null;

  constructor(options: SocketServerOptions) {
    this.options = options;
  }

  /** Whether the socket was bound: an agent that never served has no stop to record. */
  get served(): boolean {
    return this.server !== null;
  }

  async listen(handlers: readonly RegisteredHandler[]): Promise<void> {
    this.server = await listenOnSocket(this.options.path, (socket) => this.admit(socket, handlers), this.options.isRoot);
  }

  private admit(socket: net.Socket, handlers: readonly RegisteredHandler[]): void {
    const { limits, registry, log } = this.options;
    const refused = agentLimitRefusal(this.sockets.size, limits);
    if (refused) {
      refuse(socket, refused);
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    acceptConnection(
      socket,
      handlers,
      DEFAULT_FRAME_LIMITS,
      limits,
      log,
      (c) => {
        const refusedUser = userLimitRefusal(registry.countFor(c.peer.uid), limits);
        if (refusedUser) {
          refuse(socket, refusedUser);
          return;
        }
        registry.add(c);
      },
      (c) => registry.remove(c),
    );
  }

  async close(): Promise<void> {
    if (!this.server) return;
    const listening = this.server;
    const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
    if (process.platform === 'win32') return;
    try {
      unlinkSync(this.options.path);
    } catch (error) {
      // Usually already gone (ENOENT): nothing to clean up.
      this.options.log.debug({ socket: this.options.path, err: (error as Error).message }, 'socket file not removed at stop');
    }
  }
}
