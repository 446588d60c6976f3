import type net from 'node:net';
import type { PeerIdentity } from '../../../../shared/protocol/src/common/index.ts';

/**
 * The caller's identity as the kernel reports it for this socket. Until the peer-credential addon
 * lands, the identity is unknown and every identity-gated method refuses such a caller.
 */
export function resolvePeerIdentity(_socket: net.Socket): PeerIdentity {
  return { uid: null, gid: null, pid: null, userName: null };
}
