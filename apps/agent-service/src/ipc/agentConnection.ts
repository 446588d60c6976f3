import { randomUUID } from 'node:crypto';
import type net from 'node:net';
import { createMessageConnection, type MessageConnection, type ResponseMessage } from 'vscode-jsonrpc/node';
import { AgentErrorCodes, AgentError, JsonRpcErrorCodes, type PeerIdentity, type RequestDescriptor } from '../../../../shared/protocol/src/common/index.ts';
import { FrameViolation, type FrameLimits } from '../../../../shared/protocol/src/node/frameGuard.ts';
import { FrameReader } from '../../../../shared/protocol/src/node/frameReader.ts';
import { FrameWriter } from '../../../../shared/protocol/src/node/frameWriter.ts';
import { callsOnly, handle, type Handler } from '../../../../shared/protocol/src/node/rpcServer.ts';
import { methodRateWindow, type ConnectionLimits } from './connectionLimits.ts';
import type { DesktopVerdict } from '../identity/desktopSessions.ts';
import type { Logger } from '../log/logger.ts';
import { resolvePeerIdentity } from './peerIdentity.ts';

export interface ConnectionContext {
  readonly connectionId: string;
  readonly peer: PeerIdentity;
  readonly connection: MessageConnection;
  /** Set by `session.hello`; every other method requires it. */
  session: {
    readonly sessionId: string;
    readonly clientKind: string;
    /** A desktop's check against the OS login sessions (null while it runs, and for other kinds). */
    readonly desktop?: DesktopVerdict | null;
  } | null;
}

export interface RegisteredHandler {
  readonly descriptor: RequestDescriptor;
  readonly handler: Handler<RequestDescriptor, ConnectionContext>;
  /** Methods callable before the handshake (only `session.hello`). */
  readonly beforeSession?: boolean;
}

/**
 * One client connection: frames are size-checked before parsing, every request goes through a
 * declared, validated handler, and a protocol violation closes only this connection. Nothing is read
 * before the caller's identity is known; the kernel buffers what it sends meanwhile.
 */
export function acceptConnection(
  socket: net.Socket,
  handlers: readonly RegisteredHandler[],
  limits: FrameLimits,
  connectionLimits: ConnectionLimits,
  log: Logger,
  onOpen: (context: ConnectionContext) => void,
  onClosed: (context: ConnectionContext) => void,
): void {
  resolvePeerIdentity(socket)
    .then((peer) => {
      if (!socket.destroyed) openConnection(socket, peer, handlers, limits, connectionLimits, log, onOpen, onClosed);
    })
    .catch((error: unknown) => {
      log.error({ err: error instanceof Error ? error.message : String(error) }, 'could not open a connection');
      socket.destroy();
    });
}

function openConnection(
  socket: net.Socket,
  peer: PeerIdentity,
  handlers: readonly RegisteredHandler[],
  limits: FrameLimits,
  connectionLimits: ConnectionLimits,
  log: Logger,
  onOpen: (context: ConnectionContext) => void,
  onClosed: (context: ConnectionContext) => void,
): void {
  const reader = new FrameReader(socket, limits, socket);
  const writer = new FrameWriter(socket);
  const connection = createMessageConnection(callsOnly(reader), writer);
  const context: ConnectionContext = { connectionId: randomUUID(), peer, connection, session: null };
  const connLog = log.child({ conn: context.connectionId });

  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    connection.dispose();
    socket.destroy();
    onClosed(context);
  };

  socket.on('error', (error) => connLog.debug({ err: error.message }, 'socket error'));
  socket.on('close', close);
  connection.onError(([error]) => {
    if (error instanceof FrameViolation) {
      // The reader has stopped: answer once through the same writer (so the answer cannot land inside
      // another frame), then hang up.
      connLog.warn({ reason: error.message }, 'closing connection after a framing violation');
      writer
        .write(errorAnswer(JsonRpcErrorCodes.InvalidRequest, error.message))
        .catch((failed: unknown) => connLog.debug({ err: String(failed) }, 'framing error answer not delivered'));
      socket.end();
      setTimeout(close, 100).unref();
      return;
    }
    connLog.debug({ err: error.message }, 'protocol error');
    // A well-framed body that is not JSON: without this answer the client would wait forever.
    // Framing is intact, so the connection stays open (JSON-RPC 2.0, 5.1).
    if (error instanceof SyntaxError) {
      writer
        .write(errorAnswer(JsonRpcErrorCodes.ParseError, `the frame body is not valid JSON: ${error.message}`))
        .catch((failed: unknown) => connLog.debug({ err: String(failed) }, 'parse error answer not delivered'));
    }
  });
  connection.onClose(close);

  const handshake = setTimeout(() => {
    if (context.session !== null) return;
    connLog.warn('closing a connection that never said session.hello');
    close();
  }, connectionLimits.handshakeTimeoutMs);
  handshake.unref();
  socket.once('close', () => clearTimeout(handshake));

  let inFlight = 0;
  const rate = methodRateWindow(connectionLimits);
  for (const { descriptor, handler, beforeSession } of handlers) {
    handle(
      connection,
      descriptor,
      () => context,
      (params, ctx) => {
        if (!beforeSession && ctx.session === null) {
          throw new AgentError(AgentErrorCodes.SessionRequired, `call session.hello before ${descriptor.method}`);
        }
        if (inFlight >= connectionLimits.maxPendingRequests) {
          throw new AgentError(AgentErrorCodes.TooManyRequests, `at most ${connectionLimits.maxPendingRequests} requests may be in flight on one connection`);
        }
        if (!rate.allow(descriptor.method)) {
          throw new AgentError(AgentErrorCodes.RateLimited, `too many ${descriptor.method} calls; wait a few seconds`);
        }
        inFlight++;
        return Promise.resolve()
          .then(() => handler(params, ctx))
          .finally(() => inFlight--);
      },
      (method, error) => connLog.error({ method, err: error instanceof Error ? error.message : String(error) }, 'handler failed'),
    );
  }
  connection.listen();
  onOpen(context);
}

function errorAnswer(code: number, message: string): ResponseMessage {
  return { jsonrpc: '2.0', id: null, error: { code, message } };
}

/** Pairs a descriptor with its typed handler for the method table; params are validated before the handler runs. */
export function route<D extends RequestDescriptor>(
  descriptor: D,
  handler: Handler<D, ConnectionContext>,
  options: { beforeSession?: boolean } = {},
): RegisteredHandler {
  return { descriptor, handler, ...options };
}
