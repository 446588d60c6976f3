import { timingSafeEqual } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { ClientMessage, MAX_WIRE_MESSAGE_BYTES, toWireError, type ServerMessage } from '../common/webShellWire.ts';
import { BRIDGE_PATH, BRIDGE_PROTOCOL, LAUNCH_PROTOCOL_PREFIX, TOKEN_PROTOCOL_PREFIX, type TokenMessage } from '../common/webShellLaunch.ts';
import type { Unsubscribe } from '../common/serviceDescriptor.ts';
import type { ServiceDispatcher } from './serviceDispatcher.ts';
import type { Admission, Refusal } from './webShellAdmission.ts';

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

/** Ends an upgrade with a plain HTTP status and its reason as the body (what a WebSocket client sees). */
function reject(socket: Duplex, refusal: Refusal): void {
  const body = `${refusal.message}\n`;
  const head = [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Refused'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/** The credential an upgrade offers among its subprotocols: a window's token or a launch nonce. */
type Credential = { readonly token: string } | { readonly nonce: string };

/**
 * The credential in `Sec-WebSocket-Protocol`: BRIDGE_PROTOCOL and exactly one token or launch nonce,
 * or null. (Not in the URL, where a token could end up in a log or a history.)
 */
function credentialOf(req: IncomingMessage): Credential | null {
  const offered = (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((protocol) => protocol.trim())
    .filter(Boolean);
  if (!offered.includes(BRIDGE_PROTOCOL)) return null;
  const credentials = offered.filter((protocol) => protocol !== BRIDGE_PROTOCOL);
  if (credentials.length !== 1) return null;
  const [credential] = credentials as [string];
  if (credential.startsWith(TOKEN_PROTOCOL_PREFIX)) return { token: credential.slice(TOKEN_PROTOCOL_PREFIX.length) };
  if (credential.startsWith(LAUNCH_PROTOCOL_PREFIX)) return { nonce: credential.slice(LAUNCH_PROTOCOL_PREFIX.length) };
  return null;
}

/**
 * The WebSocket end of the web shell. An upgrade must pass the shell's admission (Host, Origin, the
 * peer's uid) and offer, as a subprotocol, a window's token or a one-time launch nonce, which
 * `redeem` spends (for the window named in `?window=`); that window's dispatcher then handles every
 * message of the connection, and a socket opened with a nonce is first sent the window's token.
 * Every refusal is answered with its status and reason, and told to `onRefusal`.
 */
export function attachWebShellBridge(
  server: Server,
  origin: () => string,
  grants: () => readonly WebShellGrant[],
  options: {
    readonly admit: Admission;
    /** Spends a launch nonce (right or wrong window): the grant of its page, or why not. */
    readonly redeem: (nonce: string, window: string) => WebShellGrant | Refusal;
    readonly onRefusal: (refusal: Refusal, req: IncomingMessage) => void;
    readonly onProtocolError: (reason: string) => void;
  },
): () => void {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WIRE_MESSAGE_BYTES,
    // The credential was checked before the handshake; the shell names only the bridge in its answer.
    handleProtocols: (offered) => (offered.has(BRIDGE_PROTOCOL) ? BRIDGE_PROTOCOL : false),
  });
  const refuse = (req: IncomingMessage, socket: Duplex, refusal: Refusal) => {
    options.onRefusal(refusal, req);
    reject(socket, refusal);
  };
  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = await options.admit(req, true);
    if (refusal) return refuse(req, socket, refusal);
    const url = new URL(req.url ?? '/', origin());
    if (url.pathname !== BRIDGE_PATH) return refuse(req, socket, { status: 404, message: `no WebSocket here: the bridge is ${BRIDGE_PATH}` });
    const credential = credentialOf(req);
    if (!credential) {
      return refuse(req, socket, { status: 401, message: `the bridge wants the subprotocols ${BRIDGE_PROTOCOL} and one window token or launch nonce` });
    }
    // A connection that ended during the checks spends nothing: its page keeps its one-time nonce, and
    // no frames sent before closing are served.
    if (socket.destroyed || socket.readableEnded || !socket.writable) return void socket.destroy();
    const granted = 'token' in credential ? findGrant(grants(), credential.token) : options.redeem(credential.nonce, url.searchParams.get('window') ?? '');
    if (!granted) return refuse(req, socket, { status: 401, message: 'unknown or closed window token' });
    if ('status' in granted) return refuse(req, socket, granted);
    const grant = granted;
    wss.handleUpgrade(req, socket, head, (ws) => {
      if ('nonce' in credential) ws.send(JSON.stringify({ t: 'token', token: grant.token } satisfies TokenMessage));
      serve(ws, grant.dispatcher, options.onProtocolError);
      grant.onConnection?.(true);
      ws.on('close', () => grant.onConnection?.(false));
    });
  };
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => void onUpgrade(req, socket, head);
  server.on('upgrade', upgrade);
  return () => {
    server.off('upgrade', upgrade);
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
