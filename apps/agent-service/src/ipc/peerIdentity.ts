import { createRequire } from 'node:module';
import type net from 'node:net';
import type { getPeerCredentials } from '@keeper/peercred';
import type { PeerIdentity } from '../../../../shared/protocol/src/common/index.ts';
import { lookupAccountAsync } from '../identity/accounts.ts';

const UNKNOWN: PeerIdentity = { uid: null, gid: null, pid: null, userName: null };

// A missing or unbuilt addon (Windows, a failed install) must leave the caller unknown, not stop the agent.
const readPeerCredentials = ((): typeof getPeerCredentials | null => {
  if (process.platform === 'win32') return null;
  try {
    const addon = createRequire(import.meta.url)('@keeper/peercred') as { getPeerCredentials: typeof getPeerCredentials };
    return addon.getPeerCredentials;
  } catch {
    return null;
  }
})();

/** `_handle` is Node's internal libuv handle; its `fd` is the only way to reach the socket's descriptor. */
interface WithHandle {
  _handle?: { fd?: unknown } | null;
}

/**
 * The caller's identity as the kernel reports it for this socket; unknown fields are null, it never
 * rejects. The credentials are read at once (the descriptor is gone once the socket closes); the user
 * name comes from NSS, which can be slow, so it is looked up without blocking other connections.
 */
export async function resolvePeerIdentity(socket: net.Socket): Promise<PeerIdentity> {
  const fd = (socket as unknown as WithHandle)._handle?.fd;
  if (!readPeerCredentials || typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) return { ...UNKNOWN };
  let credentials: ReturnType<typeof getPeerCredentials>;
  try {
    credentials = readPeerCredentials(fd);
  } catch {
    return { ...UNKNOWN };
  }
  const { uid, gid, pid } = credentials;
  return { uid, gid, pid: pid > 0 ? pid : null, userName: (await lookupAccountAsync(uid)).name };
}
