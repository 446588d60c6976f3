import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import { assertSocketPathFits } from '../../../../shared/protocol/src/node/socketPath.ts';
import { assertTrustedFolder } from '../config/folderTrust.ts';

export class SocketInUseError extends Error {
  readonly path: string;

  constructor(path: string) {
    super(`another keeper-agent is already listening on ${path}; stop it first or pass a different --socket`);
    this.name = 'SocketInUseError';
    this.path = path;
  }
}

/** Whether something answers on the socket: the only safe test before removing a leftover file. */
function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The socket's folder, made by the agent itself when missing: 0755 for the root system agent (users
 * must reach the socket), 0700 for a personal one. Whether made or found, it must be a real directory
 * owned by the agent's uid that nobody else can write to (nor any ancestor but a sticky root-owned
 * one): whoever can rename in it could move the socket aside and put their own agent in its place.
 */
function prepareSocketFolder(folder: string, isRoot: boolean): void {
  let made = false;
  if (!lstatOrNull(folder)) {
    mkdirSync(dirname(folder), { recursive: true, mode: 0o700 });
    try {
      // Not recursive: a folder someone made in the meantime must fail here and be judged below, never chmod-ed.
      mkdirSync(folder, { mode: 0o700 });
      made = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  assertTrustedFolder(folder, { what: 'socket', uid: process.getuid?.() ?? 0, ownedByAgent: true });
  // Widened only once it is known to be ours, in a folder nobody else can rename in.
  if (made && isRoot) chmodSync(folder, 0o755);
}

/**
 * Binds the agent socket. A live agent on the path is never displaced; a socket file left behind
 * by a crashed agent (nothing answers) is removed and reused. As root the socket is world-connectable,
 * because every call is authorized by the caller's kernel-reported identity; otherwise it is 0600.
 */
export async function listenOnSocket(path: string, onConnection: (socket: net.Socket) => void, isRoot: boolean): Promise<net.Server> {
  if (process.platform !== 'win32') {
    assertSocketPathFits(path);
    prepareSocketFolder(dirname(path), isRoot);
    const existing = lstatOrNull(path);
    if (existing) {
      if (!existing.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
      if (await probe(path)) throw new SocketInUseError(path);
      unlinkSync(path);
    }
  }
  const server = net.createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new SocketInUseError(path) : error);
    });
    server.listen(path, () => resolve());
  });
  if (process.platform !== 'win32') chmodSync(path, isRoot ? 0o666 : 0o600);
  return server;
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
