import { BOOTSTRAP_PATH, LAUNCH_PARAM, tokenStorageKey } from '../common/webShellLaunch.ts';

let pageToken: Promise<string> | undefined;

/**
 * The page's web shell token. On first load the URL carries a one-time launch nonce in its fragment
 * (fragments never reach server logs or Referer headers): the page drops it from the address bar
 * and history at once, then trades it at /bootstrap for the token, which it keeps in this tab's
 * sessionStorage for reloads. The token is never in a URL.
 */
async function fetchToken(location: Location): Promise<string> {
  const windowId = location.pathname.split('/')[1] ?? '';
  const key = tokenStorageKey(windowId);
  const nonce = new URLSearchParams(location.hash.slice(1)).get(LAUNCH_PARAM);
  if (!nonce) {
    const kept = sessionStorage.getItem(key);
    if (kept) return kept;
    throw new Error('this page was opened without its web shell token (a one-time launch link): open the window again from Keeper');
  }
  history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  const response = await fetch(BOOTSTRAP_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ window: windowId, nonce }),
    cache: 'no-store',
  });
  if (!response.ok) throw new Error(`the web shell refused this window's launch link (${response.status}): ${(await response.text()).trim()}`);
  const body = (await response.json()) as { token?: unknown };
  if (typeof body.token !== 'string') throw new Error('the web shell answered the launch link without a token');
  sessionStorage.setItem(key, body.token);
  return body.token;
}

/**
 * Opens the page's web shell bridge socket, authenticated by the window's token (fetchToken). Kept
 * apart from the transport (and zod), so a window can start the handshake before the rest of it loads.
 */
export async function openWebShellSocket(location: Location): Promise<WebSocket> {
  pageToken ??= fetchToken(location);
  const token = await pageToken;
  const url = new URL('/bridge', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = new URLSearchParams({ token }).toString();
  url.hash = '';
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.addEventListener('error', () => reject(new Error('cannot reach the web shell')), { once: true });
    socket.addEventListener('open', () => resolve(socket), { once: true });
  });
}
