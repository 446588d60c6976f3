import type net from 'node:net';
import type { getPeerCredentials, PeerCredentials } from '@keeper/peercred';
import { peercredAddon } from './peercredAddon.ts';

export type { PeerCredentials };

/**
 * The addon's reader, looked up at the first call (peercredAddon keeps it), never at import: the agent's startup
 * snapshot evaluates this module on the build machine. A missing or unbuilt addon (Windows, a failed install) is
 * reported by the callers, each its own way.
 */
function peerCredentialsReader(): typeof getPeerCredentials | null {
  return process.platform === 'win32' ? null : (peercredAddon()?.getPeerCredentials ?? null);
}

/** `_handle` is Node's internal libuv handle; its `fd` is the only way to reach the socket's descriptor. */
interface WithHandle {
  _handle?: { fd?: unknown } | null;
}

/**
 * The other end's uid, gid and pid as the kernel reports them (SO_PEERCRED) for a connected Unix
 * socket: the client's for the agent, the agent's for a client. Throws when they cannot be read.
 */
export function peerCredentialsOf(socket: net.Socket): PeerCredentials {
  const readPeerCredentials = peerCredentialsReader();
  if (!readPeerCredentials) throw new Error('the @keeper/peercred addon is not built (npm ci builds it)');
  const fd = (socket as unknown as WithHandle)._handle?.fd;
  if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) throw new Error('the socket has no descriptor');
  return readPeerCredentials(fd);
}
