import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { AgentIdentityError } from '../../shared/protocol/src/node/agentIdentity.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { ELEVATE, runCli } from '../support/runAsCli.ts';

/**
 * Issue 15, attack 7 (second half): `nobody` runs its own "agent" on a socket path a root client is
 * pointed at. The client must see from the kernel (SO_PEERCRED) who listens, and refuse before it
 * sends a single byte (session.hello included). The fake agent counts what it received.
 */

const nobody = systemUser('nobody');
let root: string;
let socket: string;
let fake: ChildProcess;
const received: number[] = [];
const waiting: ((bytes: number) => void)[] = [];

/** The bytes the fake agent got on its next connection, reported by it when that connection closes. */
function nextConnection(): Promise<number> {
  const queued = received.shift();
  if (queued !== undefined) return Promise.resolve(queued);
  return new Promise((resolve) => waiting.push(resolve));
}

const FAKE_AGENT = `
  const net = require('node:net');
  const server = net.createServer((s) => {
    let bytes = 0;
    // Hangs up on the first bytes, as a thief that has what it wanted would.
    s.on('data', (d) => { bytes += d.length; s.destroy(); });
    s.on('close', () => console.log(JSON.stringify({ bytes })));
    s.on('error', () => {});
  });
  server.listen(process.argv[1], () => console.log('listening'));`;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'kps-'));
  chmodSync(root, 0o755);
  const folder = join(root, 'nobody');
  mkdirSync(folder, { mode: 0o755 });
  chownSync(folder, nobody.uid, nobody.gid);
  socket = join(folder, 'agent.sock');
  fake = spawn(process.execPath, ['-e', FAKE_AGENT, socket], { uid: nobody.uid, gid: nobody.gid, cwd: '/', stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: fake.stdout! });
  await new Promise<void>((resolve, reject) => {
    fake.once('exit', (code) => reject(new Error(`the fake agent exited with ${code}`)));
    lines.on('line', (line) => {
      if (line === 'listening') return resolve();
      const { bytes } = JSON.parse(line) as { bytes: number };
      const waiter = waiting.shift();
      if (waiter) waiter(bytes);
      else received.push(bytes);
    });
  });
});

afterAll(() => {
  fake?.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe("a client pointed at another user's agent", () => {
  it('AgentClient.connect (every client: CLIs, desktop, tests) refuses it, naming the socket and its uid, and sends nothing', async () => {
    const connecting = AgentClient.connect(socket);
    await expect(connecting).rejects.toBeInstanceOf(AgentIdentityError);
    await expect(connecting).rejects.toThrow(`refusing the agent at ${socket}: it runs as uid ${nobody.uid}`);
    expect(await nextConnection()).toBe(0);
  });

  it('keeper-elevate run as root exits 3 ("agent unreachable") with that reason, and the fake agent got zero bytes', async () => {
    const result = await runCli(ELEVATE, socket, ['/usr/bin/id']);
    expect(result.code).toBe(3);
    expect(result.stderr + result.stdout).toContain(`it runs as uid ${nobody.uid}`);
    expect(result.stderr + result.stdout).toContain(socket);
    expect(await nextConnection()).toBe(0);
  });
});

describe('a fake agent of another user that never accepts (its backlog full)', () => {
  it('holds keeper-elevate run as root for the connect timeout at most, then exits 3 saying it timed out', async () => {
    const folder = join(root, 'stuck');
    mkdirSync(folder, { mode: 0o755 });
    chownSync(folder, nobody.uid, nobody.gid);
    const path = join(folder, 'agent.sock');
    const stuck = spawn(
      process.execPath,
      ['-e', "require('node:net').createServer().listen({ path: process.argv[1], backlog: 1 }, () => console.log('listening'))", path],
      {
        uid: nobody.uid,
        gid: nobody.gid,
        cwd: '/',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      await new Promise<void>((resolve) => stuck.stdout.once('data', () => resolve()));
      // Stopped, it accepts nothing more: a few connections fill its backlog, and the next connect waits.
      stuck.kill('SIGSTOP');
      const fillers = Array.from({ length: 4 }, () => connect(path).on('error', () => {}));
      // Each queued or refused (EAGAIN) before the CLI comes: then its connect is the one that waits.
      await Promise.all(fillers.map((filler) => new Promise((settled) => filler.once('connect', settled).once('error', settled))));
      const started = Date.now();
      const result = await runCli(ELEVATE, path, ['/usr/bin/id']);
      expect(result.code).toBe(3);
      expect(result.stderr).toBe(`keeper-elevate: cannot reach the Keeper agent at ${path}: timed out connecting to the agent at ${path}\n`);
      expect(Date.now() - started).toBeLessThan(15_000);
      for (const filler of fillers) filler.destroy();
    } finally {
      stuck.kill('SIGKILL');
    }
  }, 30_000);
});
