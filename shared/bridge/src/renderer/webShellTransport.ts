import { ServerMessage, type ClientMessage, type WireError } from '../common/webShellWire.ts';
import type { StreamObserver } from '../common/serviceDescriptor.ts';
import type { BridgeTransport } from './bridgeTransport.ts';

function toError(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}

/**
 * The web shell's bridge: one WebSocket per window, authenticated by the per-window token that the
 * shell put in the page's URL fragment (fragments never reach server logs or Referer headers).
 */
export function connectWebShell(location: Location): Promise<BridgeTransport> {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!token) return Promise.reject(new Error('this page was opened without its web shell token'));
  const url = new URL('/bridge', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = new URLSearchParams({ token }).toString();
  url.hash = '';

  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    let nextId = 1;
    const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
    const streams = new Map<number, StreamObserver<unknown>>();
    const disconnectListeners: Array<() => void> = [];
    const send = (message: ClientMessage) => socket.send(JSON.stringify(message));

    socket.addEventListener('message', (event) => {
      const parsed = ServerMessage.safeParse(JSON.parse(String(event.data)));
      if (!parsed.success) return;
      const message = parsed.data;
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
    });
    socket.addEventListener('close', () => {
      for (const { reject: fail } of pending.values()) fail(new Error('the web shell closed the connection'));
      pending.clear();
      streams.clear();
      for (const listener of disconnectListeners) listener();
    });
    socket.addEventListener('error', () => reject(new Error('cannot reach the web shell')), { once: true });
    socket.addEventListener(
      'open',
      () =>
        resolve({
          kind: 'web-shell',
          call(channel, member, args) {
            const id = nextId++;
            return new Promise((res, rej) => {
              pending.set(id, { resolve: res, reject: rej });
              send({ t: 'call', id, channel, member, args: [...args] });
            });
          },
          subscribe(channel, member, args, observer) {
            const id = nextId++;
            streams.set(id, observer);
            send({ t: 'subscribe', id, channel, member, args: [...args] });
            return () => {
              if (streams.delete(id) && socket.readyState === WebSocket.OPEN) send({ t: 'unsubscribe', id });
            };
          },
          onDisconnect(listener) {
            disconnectListeners.push(listener);
          },
        }),
      { once: true },
    );
  });
}
