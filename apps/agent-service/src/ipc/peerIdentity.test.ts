import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PeerIdentity } from '../../../../shared/protocol/src/common/index.ts';
import { resolvePeerIdentity } from './peerIdentity.ts';
import { systemUser } from '../../../../tests/support/requesterProcess.ts';

const unix = process.platform !== 'win32';

describe.skipIf(!unix)('resolvePeerIdentity', () => {
  let dir: string;
  let socketPath: string;
  let server: net.Server;
  let identities: Promise<PeerIdentity>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keeper-peercred-'));
    // Another user's client must reach the socket: the directory is traversable, the socket writable.
    chmodSync(dir, 0o777);
    socketPath = join(dir, 'agent.sock');
    identities = new Promise((resolve) => {
      server = net.createServer((socket) => {
        resolve(resolvePeerIdentity(socket));
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    chmodSync(socketPath, 0o666);
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the uid, gid, pid and user name of a client in this process', async () => {
    const client = net.createConnection(socketPath);
    client.on('error', () => {});
    const peer = await identities;
    client.destroy();

    expect(peer).toEqual({ uid: process.getuid?.(), gid: process.getgid?.(), pid: process.pid, userName: userInfo().username });
  });

  // Starting a process as another user needs root (CI runs the suite as root).
  it.skipIf(process.getuid?.() !== 0)("reports another user's process as that user, with its pid", async () => {
    const nobody = systemUser('nobody');
    const script = `const s = require('node:net').createConnection(${JSON.stringify(socketPath)}); s.on('error', () => process.exit(2)); s.on('close', () => process.exit(0)); setTimeout(() => process.exit(3), 10000);`;
    const child = spawn(process.execPath, ['-e', script], { uid: nobody.uid, gid: nobody.gid, cwd: dir, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

    const peer = await identities;

    expect(peer).toEqual({ uid: nobody.uid, gid: nobody.gid, pid: child.pid, userName: 'nobody' });
    expect(await exited).toBe(0);
  });
});
