import type net from 'node:net';
import type { PeerIdentity } from '../../../../shared/protocol/src/common/index.ts';
import { peerCredentialsOf, type PeerCredentials } from '../../../../shared/protocol/src/node/peerCredentials.ts';
import { lookupAccountAsync } from '../identity/accounts.ts';

const UNKNOWN: PeerIdentity = { uid: null, gid: null, pid: null, userName: null };

/**
 * The caller's identity as the kernel reports it for this socket; unknown fields are null, it never
 * rejects. The credentials are read at once (the descriptor is gone once the socket closes); the user
 * name comes from NSS, which can be slow, so it is looked up without blocking other connections.
 */
export async function resolvePeerIdentity(socket: net.Socket): Promise<PeerIdentity> {
  let credentials: PeerCredentials;
  try {
    // A missing or unbuilt addon (Windows, a failed install) must leave the caller unknown, not stop the agent.
    credentials = peerCredentialsOf(socket);
  } catch {
    return { ...UNKNOWN };
  }
  const { uid, gid, pid } = credentials;
  return { uid, gid, pid: pid > 0 ? pid : null, userName: (await lookupAccountAsync(uid)).name };
}
