import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type net from 'node:net';
import type { getPeerCredentials } from '@keeper/peercred';
import type { PeerIdentity } from '../../../../shared/protocol/src/common/index.ts';

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

// Lookups block the event loop (the signature is synchronous), so each uid costs at most one per
// interval: a failure is retried only after a while, a known name is kept.
const NAME_RETRY_MS = 60_000;
const userNames = new Map<number, { name: string | null; at: number }>();

function userNameOf(uid: number): string | null {
  const cached = userNames.get(uid);
  if (cached && (cached.name !== null || Date.now() - cached.at < NAME_RETRY_MS)) return cached.name;
  let name: string | null = null;
  try {
    // Through NSS (getent) / Directory Services (id), so directory users (LDAP, SSSD, AD) resolve too.
    const [file, args]: [string, string[]] = process.platform === 'darwin' ? ['id', ['-nu', String(uid)]] : ['getent', ['passwd', String(uid)]];
    const output = execFileSync(file, args, { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
    name = output.split('\n')[0]?.split(':')[0]?.trim() || null;
  } catch {
    name = null;
  }
  userNames.set(uid, { name, at: Date.now() });
  return name;
}

/** The caller's identity as the kernel reports it for this socket; unknown fields are null, it never throws. */
export function resolvePeerIdentity(socket: net.Socket): PeerIdentity {
  const fd = (socket as unknown as WithHandle)._handle?.fd;
  if (!readPeerCredentials || typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) return { ...UNKNOWN };
  try {
    const { uid, gid, pid } = readPeerCredentials(fd);
    return { uid, gid, pid: pid > 0 ? pid : null, userName: userNameOf(uid) };
  } catch {
    return { ...UNKNOWN };
  }
}
