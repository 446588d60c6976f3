/**
 * Opens the page's web shell bridge socket, authenticated by the per-window token that the shell
 * put in the page's URL fragment (fragments never reach server logs or Referer headers). Kept apart
 * from the transport (and zod), so a window can start the handshake before the rest of it loads.
 */
export function openWebShellSocket(location: Location): Promise<WebSocket> {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!token) return Promise.reject(new Error('this page was opened without its web shell token'));
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
