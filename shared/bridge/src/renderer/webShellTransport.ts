import type { ClientMessage, ServerMessage, WireError } from '../common/webShellWire.ts';
import type { StreamObserver } from '../common/serviceDescriptor.ts';
import type { BridgeTransport } from './bridgeTransport.ts';
import { CheckFailure } from '../../../protocol/src/common/plainChecks.ts';
import { checkServerMessage } from './serverMessageCheck.ts';
import { EARLY_STREAM_ID, openWebShellSocket, type BridgeSocket } from './webShellSocket.ts';

function toError(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}

/**
 * The web shell's bridge over an open socket (openWebShellSocket): one WebSocket per window. A stream
 * the socket subscribed to on open is handed to the first `subscribe` of it, with what it sent so far.
 */
export function webShellTransport({ socket, early, takeOver }: BridgeSocket): BridgeTransport {
  let nextId = EARLY_STREAM_ID + 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const streams = new Map<number, StreamObserver<unknown>>();
  const disconnectListeners: Array<() => void> = [];
  let closed = socket.readyState !== WebSocket.OPEN;
  const send = (message: ClientMessage) => socket.send(JSON.stringify(message));
  /** The early stream until a subscribe claims it, and what it sent meanwhile. */
  let unclaimed = early;
  const backlog: ServerMessage[] = [];

  const deliver = (message: ServerMessage) => {
    switch (message.t) {
      case 'result':
        pending.get(message.id)?.resolve(message.value);
        pending.delete(message.id);
        break;
      case 'failure':
        pending.get(message.id)?.reject(toError(message.error));
        pending.delete(message.id);
        break;
      case 'next':
        streams.get(message.id)?.next(message.value);
        break;
      case 'streamError':
        streams.get(message.id)?.error?.(toError(message.error));
        streams.delete(message.id);
        break;
      case 'complete':
        streams.delete(message.id);
        break;
    }
  };
  const receive = (raw: string) => {
    let message: ServerMessage;
    try {
      // Checked without zod, so a prompt window loads no zod at all (serverMessageCheck.ts).
      message = checkServerMessage(JSON.parse(raw), '');
    } catch (error) {
      if (error instanceof CheckFailure) return;
      throw error;
    }
    if (unclaimed && message.id === EARLY_STREAM_ID) return void backlog.push(message);
    deliver(message);
  };
  for (const raw of takeOver()) receive(raw);
  socket.addEventListener('message', (event) => receive(String(event.data)));
  socket.addEventListener('close', () => {
    closed = true;
    for (const { reject: fail } of pending.values()) fail(new Error('the web shell closed the connection'));
    pending.clear();
    streams.clear();
    for (const listener of disconnectListeners) listener();
  });

  return {
    kind: 'web-shell',
    call(channel, member, args) {
      if (closed) return Promise.reject(new Error('the web shell closed the connection'));
      const id = nextId++;
      return new Promise((res, rej) => {
        pending.set(id, { resolve: res, reject: rej });
        send({ t: 'call', id, channel, member, args: [...args] });
      });
    },
    subscribe(channel, member, args, observer) {
      const claimed = unclaimed !== null && unclaimed.channel === channel && unclaimed.member === member && args.length === 0;
      const id = claimed ? EARLY_STREAM_ID : nextId++;
      if (closed) return () => {};
      streams.set(id, observer);
      if (claimed) {
        unclaimed = null;
        for (const message of backlog.splice(0)) deliver(message);
      } else send({ t: 'subscribe', id, channel, member, args: [...args] });
      return () => {
        if (streams.delete(id) && socket.readyState === WebSocket.OPEN) send({ t: 'unsubscribe', id });
      };
    },
    onDisconnect(listener) {
      // A socket that closed before the transport took it over still tells its listener.
      if (closed) listener();
      else disconnectListeners.push(listener);
    },
  };
}

/** Opens the socket and wraps it: the web shell's bridge in one step. */
export const connectWebShell = (location: Location): Promise<BridgeTransport> => openWebShellSocket(location).then(webShellTransport);
