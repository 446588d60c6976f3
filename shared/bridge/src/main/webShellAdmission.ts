import type http from 'node:http';
import type { Socket } from 'node:net';
import { loopbackPeerUid } from './loopbackPeerUid.ts';

/** Why the web shell turned a request away: an HTTP status and a line for the log and the client. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
}

export interface AdmissionOptions {
  readonly port: number;
  /**
   * The uid whose processes may talk to the shell (the launcher's own; root too, which can read the
   * launcher's memory anyway); null skips the check.
   */
  readonly uid: number | null;
  /** Looks up the uid owning the client end of a connection (loopbackPeerUid; a fake in unit tests). */
  readonly peerUid?: (socket: Socket) => Promise<number | null>;
}

/** Answers whether a request may reach the shell; the bridge's handshake also needs `Origin`. */
export type Admission = (req: http.IncomingMessage, needsOrigin: boolean) => Promise<Refusal | null>;

/**
 * The checks every web shell request passes:
 * - `Host` must name the loopback address and port exactly: a DNS-rebinding page (evil.example
 *   resolving to 127.0.0.1) sends its own name;
 * - `Origin`, where a browser sends it, must be this same host: another site open in the user's
 *   browser cannot use the bridge or trade a launch nonce;
 * - on Linux, the client's socket must belong to the launcher's uid or root (loopbackPeerUid: the
 *   kernel's sock_diag, else /proc/net/tcp), so another local user gets nowhere even holding a token.
 *   Looked up once per connection.
 */
export function webShellAdmission(options: AdmissionOptions): Admission {
  const hosts = new Set([`127.0.0.1:${options.port}`, `localhost:${options.port}`, `[::1]:${options.port}`]);
  const peerUid = options.peerUid ?? ((socket: Socket) => loopbackPeerUid(socket));
  const owners = new WeakMap<Socket, Promise<number | null>>();
  const ownerOf = (socket: Socket) => {
    let owner = owners.get(socket);
    if (!owner) {
      owner = peerUid(socket).catch(() => null);
      owners.set(socket, owner);
    }
    return owner;
  };

  return async (req, needsOrigin) => {
    const host = req.headers.host ?? '';
    if (!hosts.has(host)) return { status: 421, message: `unknown Host "${host.slice(0, 100)}": the web shell answers only to 127.0.0.1:${options.port}` };
    const origin = req.headers.origin;
    if ((needsOrigin || origin !== undefined) && origin !== `http://${host}`) {
      return { status: 403, message: `foreign Origin "${String(origin).slice(0, 100)}": only the web shell's own pages may do this` };
    }
    if (options.uid === null) return null;
    const owner = await ownerOf(req.socket);
    if (owner === null) return { status: 403, message: 'cannot tell which user this connection belongs to' };
    if (owner !== options.uid && owner !== 0)
      return { status: 403, message: `connection from another user (uid ${owner}): the web shell serves only uid ${options.uid}` };
    return null;
  };
}

/**
 * The uid the peer check enforces: the launcher's own on Linux. Elsewhere there is no sock_diag or
 * /proc/net/tcp and no check: what stands in is that the token is in no URL, command line or log, a launch link
 * works once (and the launcher hands its Chromium the link in a file only its user can read), and
 * Host/Origin are checked; another local user who could read the page's memory could still connect.
 */
export function admittedUid(platform: NodeJS.Platform = process.platform): number | null {
  return platform === 'linux' ? (process.getuid?.() ?? null) : null;
}
