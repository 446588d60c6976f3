import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ClientMessage, MAX_WIRE_MESSAGE_BYTES, toWireError, type ServerMessage } from '../common/webShellWire.ts';
import type { Unsubscribe } from '../common/serviceDescriptor.ts';
import type { ServiceDispatcher } from './serviceDispatcher.ts';

export interface WebShellGrant {
  readonly token: string;
  readonly dispatcher: ServiceDispatcher;
  /** Told when a page opens (true) or loses (false) a connection with this grant. */
  readonly onConnection?: (open: boolean) => void;
}

/** Constant-time token lookup, so a wrong token teaches nothing about the right one. */
function findGrant(grants: readonly WebShellGrant[], token: string): WebShellGrant | undefined {
  const presented = Buffer.from(token);
  return grants.find((grant) => {
    const expected = Buffer.from(grant.token);
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  });
}

function reject(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * The WebSocket end of the web shell. An upgrade must come from the shell's own origin and carry a
 * window's token; that window's dispatcher then handles every message of the connection.
 */
export function attachWebShellBridge(
  server: http.Server,
  origin: () => string,
  grants: () => readonly WebShellGrant[],
  onProtocolError: (reason: string) => void,
): () => void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WIRE_MESSAGE_BYTES });
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', origin());
    if (url.pathname !== '/bridge') return reject(socket, 404, 'Not Found');
    if (req.headers.origin !== origin()) return reject(socket, 403, 'Forbidden');
    const grant = findGrant(grants(), url.searchParams.get('token') ?? '');
    if (!grant) return reject(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      serve(ws, grant.dispatcher, onProtocolError);
      grant.onConnection?.(true);
      ws.on('close', () => grant.onConnection?.(false));
    });
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    for (const client of wss.clients) client.terminate();
    wss.close();
  };
}

function serve(ws: WebSocket, dispatcher: ServiceDispatcher, onProtocolError: (reason: string) => void): void {
  const streams = new Map<number, Unsubscribe>();
  const send = (message: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };

  ws.on('message', (data, isBinary) => {
    let json: unknown;
    try {
      // ws hands over a Buffer (its default binaryType); a text frame is UTF-8 JSON.
      json = !isBinary && Buffer.isBuffer(data) ? JSON.parse(data.toString('utf8')) : undefined;
    } catch {
      json = undefined;
    }
    const parsed = ClientMessage.safeParse(json);
    if (!parsed.success) {
      onProtocolError('malformed web shell message');
      ws.close(1008, 'malformed message');
      return;
    }
    const message = parsed.data;
    switch (message.t) {
      case 'call':
        dispatcher
          .call(message.channel, message.member, message.args)
          .then((value) => send({ t: 'result', id: message.id, value }))
          .catch((error: unknown) => send({ t: 'failure', id: message.id, error: toWireError(error) }));
        break;
      case 'subscribe':
        if (streams.has(message.id)) return;
        try {
          streams.set(
            message.id,
            dispatcher.subscribe(message.channel, message.member, message.args, {
              next: (value) => send({ t: 'next', id: message.id, value }),
              error: (error) => send({ t: 'streamError', id: message.id, error: toWireError(error) }),
              complete: () => send({ t: 'complete', id: message.id }),
            }),
          );
        } catch (error) {
          send({ t: 'streamError', id: message.id, error: toWireError(error) });
        }
        break;
      case 'unsubscribe':
        streams.get(message.id)?.();
        streams.delete(message.id);
        break;
    }
  });
  ws.on('close', () => {
    for (const unsubscribe of streams.values()) unsubscribe();
    streams.clear();
  });
}
