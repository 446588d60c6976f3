import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import { assertSocketPathFits } from '../../../../shared/protocol/src/node/socketPath.ts';

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
 * Binds the agent socket. A live agent on the path is never displaced; a socket file left behind
 * by a crashed agent (nothing answers) is removed and reused. As root the socket is world-connectable,
 * because every call is authorized by the caller's kernel-reported identity; otherwise it is 0600.
 */
export async function listenOnSocket(
  path: string,
  onConnection: (socket: net.Socket) => void,
  isRoot: boolean,
): Promise<net.Server> {
  if (process.platform !== 'win32') {
    assertSocketPathFits(path);
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
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
