import { randomUUID } from 'node:crypto';
import type net from 'node:net';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
  type ResponseMessage,
} from 'vscode-jsonrpc/node';
import { AgentErrorCodes, AgentError, JsonRpcErrorCodes, type PeerIdentity, type RequestDescriptor } from '../../../../shared/protocol/src/common/index.ts';
import { createFrameGuard, FrameViolation, type FrameLimits } from '../../../../shared/protocol/src/node/frameGuard.ts';
import { callsOnly, handle, type Handler } from '../../../../shared/protocol/src/node/rpcServer.ts';
import type { Logger } from '../log/logger.ts';
import { resolvePeerIdentity } from './peerIdentity.ts';

export interface ConnectionContext {
  readonly connectionId: string;
  readonly peer: PeerIdentity;
  readonly connection: MessageConnection;
  /** Set by `session.hello`; every other method requires it. */
  session: { readonly sessionId: string; readonly clientKind: string } | null;
}

export interface RegisteredHandler {
  readonly descriptor: RequestDescriptor;
  readonly handler: Handler<RequestDescriptor, ConnectionContext>;
  /** Methods callable before the handshake (only `session.hello`). */
  readonly beforeSession?: boolean;
}

/**
 * One client connection: frames are size-checked before parsing, every request goes through a
 * declared, validated handler, and a protocol violation closes only this connection.
 */
export function acceptConnection(
  socket: net.Socket,
  handlers: readonly RegisteredHandler[],
  limits: FrameLimits,
  log: Logger,
  onOpen: (context: ConnectionContext) => void,
  onClosed: (context: ConnectionContext) => void,
): void {
  const guard = createFrameGuard(limits, socket);
  const reader = new StreamMessageReader(socket.pipe(guard));
  // Once a frame stops short, vscode-jsonrpc re-arms a "partial message" timer every 10 s for as long
  // as the reader lives, and dispose() does not clear it: a client that hung up mid-frame would keep
  // the agent alive after SIGTERM (and the reader in memory). Nothing here uses those events.
  reader.partialMessageTimeout = 0;
  const writer = new StreamMessageWriter(socket);
  const connection = createMessageConnection(callsOnly(reader), writer);
  const context: ConnectionContext = {
    connectionId: randomUUID(),
    peer: resolvePeerIdentity(socket),
    connection,
    session: null,
  };
  const connLog = log.child({ conn: context.connectionId });

  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    connection.dispose();
    socket.destroy();
    onClosed(context);
  };

  guard.on('error', (error) => {
    const message = error instanceof FrameViolation ? error.message : 'unreadable frame';
    connLog.warn({ reason: message }, 'closing connection after a framing violation');
    const body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: JsonRpcErrorCodes.InvalidRequest, message } });
    socket.end(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    setTimeout(close, 100).unref();
  });
  socket.on('error', (error) => connLog.debug({ err: error.message }, 'socket error'));
  socket.on('close', close);
  connection.onError(([error]) => {
    connLog.debug({ err: error.message }, 'protocol error');
    // A well-framed body that is not JSON: vscode-jsonrpc only reports it, so without this answer the
    // client would wait forever. Framing is intact, so the connection stays open (JSON-RPC 2.0, 5.1).
    if (error instanceof SyntaxError) {
      const answer: ResponseMessage = {
        jsonrpc: '2.0',
        id: null,
        error: { code: JsonRpcErrorCodes.ParseError, message: `the frame body is not valid JSON: ${error.message}` },
      };
      writer.write(answer).catch(() => {});
    }
  });
  connection.onClose(close);

  for (const { descriptor, handler, beforeSession } of handlers) {
    handle(
      connection,
      descriptor,
      () => context,
      (params, ctx) => {
        if (!beforeSession && ctx.session === null) {
          throw new AgentError(AgentErrorCodes.SessionRequired, `call session.hello before ${descriptor.method}`);
        }
        return handler(params, ctx);
      },
      (method, error) => connLog.error({ method, err: error instanceof Error ? error.message : String(error) }, 'handler failed'),
    );
  }
  connection.listen();
  onOpen(context);
}

/** Pairs a descriptor with its typed handler for the method table; params are validated before the handler runs. */
export function route<D extends RequestDescriptor>(
  descriptor: D,
  handler: Handler<D, ConnectionContext>,
  options: { beforeSession?: boolean } = {},
): RegisteredHandler {
  return { descriptor, handler, ...options };
}
