import { BRIDGE_PATH, BRIDGE_PROTOCOL, LAUNCH_PARAM, LAUNCH_PROTOCOL_PREFIX, TOKEN_PROTOCOL_PREFIX, tokenStorageKey } from '../common/webShellLaunch.ts';
import type { ClientMessage } from '../common/webShellWire.ts';

/** A stream (with no arguments) the page subscribes to the moment its socket opens. */
export interface EarlyStream {
  readonly channel: string;
  readonly member: string;
}

/** The id an early stream is subscribed under; the transport numbers its own from the next. */
export const EARLY_STREAM_ID = 1;

/** The page's open bridge socket, holding what arrived before the transport took it over. */
export interface BridgeSocket {
  readonly socket: WebSocket;
  /** The stream subscribed on open (as EARLY_STREAM_ID), or null. */
  readonly early: EarlyStream | null;
  /** Stops holding messages and hands over those held so far (raw text, in order). */
  readonly takeOver: () => string[];
}

let opened: Promise<BridgeSocket> | undefined;

/**
 * The credential this page offers the bridge. On first load the URL carries a one-time launch nonce
 * in its fragment (fragments never reach server logs or Referer headers): the page drops it from the
 * address bar and history at once and offers it; on a reload it offers the window's token, kept in
 * this tab's sessionStorage. Neither is ever in a URL.
 */
function credential(location: Location, key: string): { protocol: string; launch: boolean } {
  const nonce = new URLSearchParams(location.hash.slice(1)).get(LAUNCH_PARAM);
  if (nonce) {
    history.replaceState(history.state, '', `${location.pathname}${location.search}`);
    return { protocol: `${LAUNCH_PROTOCOL_PREFIX}${nonce}`, launch: true };
  }
  const kept = sessionStorage.getItem(key);
  if (kept) return { protocol: `${TOKEN_PROTOCOL_PREFIX}${kept}`, launch: false };
  throw new Error('this page was opened without its web shell token (a one-time launch link): open the window again from Keeper');
}

function connect(location: Location, early: EarlyStream | null): Promise<BridgeSocket> {
  const windowId = location.pathname.split('/')[1] ?? '';
  const key = tokenStorageKey(windowId);
  const { protocol, launch } = credential(location, key);
  const url = new URL(BRIDGE_PATH, location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = new URLSearchParams({ window: windowId }).toString();
  url.hash = '';
  // The nonce is traded in the handshake itself: one round trip to an open, authenticated bridge.
  const socket = new WebSocket(url, [BRIDGE_PROTOCOL, protocol]);
  if (launch) {
    // The shell's first message on a launch: the window's token, kept for reloads (the transport,
    // should it have taken over by then, ignores it).
    socket.addEventListener(
      'message',
      (event) => {
        const message = JSON.parse(String(event.data)) as { t?: unknown; token?: unknown };
        if (message.t === 'token' && typeof message.token === 'string') sessionStorage.setItem(key, message.token);
      },
      { once: true },
    );
  }
  let held: string[] | null = [];
  const hold = (event: MessageEvent) => held?.push(String(event.data));
  socket.addEventListener('message', hold);
  const takeOver = () => {
    const taken = held ?? [];
    held = null;
    socket.removeEventListener('message', hold);
    return taken;
  };
  return new Promise((resolve, reject) => {
    // A browser does not show a page why a handshake was refused; the shell's log says.
    const failure = launch
      ? "the web shell did not take this window's launch link (each works once) or cannot be reached: open the window again from Keeper"
      : 'cannot reach the web shell';
    socket.addEventListener('error', () => reject(new Error(failure)), { once: true });
    socket.addEventListener(
      'open',
      () => {
        // Asked at once, so the answer travels while the rest of the window (and zod) loads.
        if (early)
          socket.send(JSON.stringify({ t: 'subscribe', id: EARLY_STREAM_ID, channel: early.channel, member: early.member, args: [] } satisfies ClientMessage));
        resolve({ socket, early, takeOver });
      },
      { once: true },
    );
  });
}

/**
 * Opens the page's web shell bridge socket, authenticated by its launch nonce or its window's token
 * (see credential), and subscribes to `early` as soon as it is open. Kept apart from the transport
 * (and zod), so a window can start the handshake before the rest of it loads.
 */
export function openWebShellSocket(location: Location, early: EarlyStream | null = null): Promise<BridgeSocket> {
  opened ??= new Promise<BridgeSocket>((resolve) => resolve(connect(location, early)));
  return opened;
}
