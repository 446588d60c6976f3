import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import * as z from 'zod';
import {
  AgentError,
  AgentErrorCodes,
  AgentStatusRequest,
  JsonRpcErrorCodes,
  PROTOCOL_VERSION,
  SessionHello,
  type AgentStatus,
} from '../../shared/protocol/src/common/index.ts';
import { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { AGENT_BIN, connectClient, makeSandbox, PROJECT_DIR, runAgent, startAgent, type AgentProcess } from '../support/agentProcess.ts';

/**
 * The agent binary as a child process, over its real Unix socket, with real temp dirs and a real
 * SQLite file: start-up, handshake, status and health, refusals at start, persistence and shutdown.
 */

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(PROJECT_DIR, 'package.json'), 'utf8')) as { version: string }).version;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HELLO = { protocolVersion: PROTOCOL_VERSION, client: { kind: 'cli', name: 'lifecycle-test', version: '1' } } as const;

/** session.hello with the client-side schema switched off, so the agent is the one judging the params. */
const UncheckedHello = { ...SessionHello, params: z.unknown() };

type Sandbox = ReturnType<typeof makeSandbox>;
type TestSandbox = Sandbox & { readonly agents: AgentProcess[] };

/**
 * A sandbox removed when the test ends, after every agent started in it was SIGKILLed, whatever
 * happened in the test (per-test hooks, so this also works in concurrent tests).
 */
function sandboxFor(ctx: TestContext): TestSandbox {
  const sandbox = { ...makeSandbox(), agents: [] as AgentProcess[] };
  ctx.onTestFinished(async () => {
    await Promise.all(sandbox.agents.map((agent) => agent.kill()));
    sandbox.cleanup();
  });
  return sandbox;
}

async function agentIn(sandbox: TestSandbox, args: Parameters<typeof startAgent>[0]): Promise<AgentProcess> {
  const agent = await startAgent(args);
  sandbox.agents.push(agent);
  return agent;
}

async function clientFor(ctx: TestContext, socket: string): Promise<AgentClient> {
  const client = await connectClient(socket);
  ctx.onTestFinished(() => client.close());
  return client;
}

async function statusOf(socket: string): Promise<AgentStatus> {
  const client = await connectClient(socket);
  try {
    return await client.request(AgentStatusRequest, undefined);
  } finally {
    client.close();
  }
}

/** The AgentError a call failed with; fails the test if it succeeded or failed some other way. */
async function rejectionOf(call: Promise<unknown>): Promise<AgentError> {
  let result: unknown;
  try {
    result = await call;
  } catch (error) {
    if (error instanceof AgentError) return error;
    throw error;
  }
  throw new Error(`expected the call to fail, it returned ${JSON.stringify(result)}`);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe('a running agent', () => {
  let sandbox: Sandbox;
  let agent: AgentProcess;

  beforeAll(async () => {
    sandbox = makeSandbox();
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir });
  });

  afterAll(async () => {
    await agent?.kill();
    sandbox?.cleanup();
  });

  it('answers session.hello with protocol 1, the package version and a fresh session id', async (ctx) => {
    const client = await AgentClient.connect(sandbox.socket);
    ctx.onTestFinished(() => client.close());
    const first = await client.request(SessionHello, HELLO);
    expect(first.protocolVersion).toBe(1);
    expect(first.agentVersion).toBe(PACKAGE_VERSION);
    expect(first.sessionId).toMatch(UUID);

    const other = await AgentClient.connect(sandbox.socket);
    ctx.onTestFinished(() => other.close());
    const second = await other.request(SessionHello, HELLO);
    expect(second.sessionId).toMatch(UUID);
    expect(second.sessionId).not.toBe(first.sessionId);
  });

  it('reports its status: online, embedded backend, Warning level, healthy plugins and a health URL', async (ctx) => {
    const client = await clientFor(ctx, sandbox.socket);
    const before = Date.now();
    const status = await client.request(AgentStatusRequest, undefined);
    expect(status.version).toBe(PACKAGE_VERSION);
    expect(status.online).toBe(true);
    expect(status.backend).toBe('embedded');
    expect(status.logLevel).toBe('Warning');
    expect(status.agentId).toMatch(UUID);
    expect(status.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(status.uptimeSeconds).toBeLessThan(120);
    expect(Date.parse(status.startedAt)).toBeLessThanOrEqual(before);
    for (const name of ['KeeperStore', 'KeeperIpc', 'KeeperHealth']) {
      expect(
        status.plugins.find((plugin) => plugin.name === name),
        name,
      ).toMatchObject({ name, state: 'Healthy' });
    }
    expect(status.healthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/health$/);
    expect(Number(new URL(status.healthUrl!).port)).toBeGreaterThan(0);
  });

  it('serves GET /health as healthy JSON, refuses POST with 405 and other paths with 404', async (ctx) => {
    const { healthUrl } = await (await clientFor(ctx, sandbox.socket)).request(AgentStatusRequest, undefined);
    const url = healthUrl!;

    const before = Date.now();
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['status', 'timestamp', 'version']);
    expect(body['status']).toBe('healthy');
    expect(body['version']).toBe(PACKAGE_VERSION);
    const timestamp = body['timestamp'] as string;
    expect(new Date(timestamp).toISOString()).toBe(timestamp);
    expect(Math.abs(Date.parse(timestamp) - before)).toBeLessThan(60_000);

    const post = await fetch(url, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    await post.body?.cancel();

    const other = await fetch(new URL('/other', url));
    expect(other.status).toBe(404);
    await other.body?.cancel();
  });

  it('requires session.hello before any other method (-33008), and accepts it afterwards', async (ctx) => {
    const client = await AgentClient.connect(sandbox.socket);
    ctx.onTestFinished(() => client.close());
    const error = await rejectionOf(client.request(AgentStatusRequest, undefined));
    expect(error.code).toBe(AgentErrorCodes.SessionRequired);
    expect(error.code).toBe(-33008);
    expect(error.message).toContain('session.hello');

    await client.request(SessionHello, HELLO);
    expect((await client.request(AgentStatusRequest, undefined)).online).toBe(true);
  });

  it('refuses protocol version 2 with -33005 and the versions it supports', async (ctx) => {
    const client = await AgentClient.connect(sandbox.socket);
    ctx.onTestFinished(() => client.close());
    const error = await rejectionOf(client.request(SessionHello, { ...HELLO, protocolVersion: 2 }));
    expect(error.code).toBe(AgentErrorCodes.ProtocolVersionMismatch);
    expect(error.code).toBe(-33005);
    expect(error.data).toEqual({ supported: [1] });
    // No session was opened by the refused hello.
    expect((await rejectionOf(client.request(AgentStatusRequest, undefined))).code).toBe(-33008);
  });

  it('refuses a second session.hello on the same connection with -33006', async (ctx) => {
    const client = await clientFor(ctx, sandbox.socket);
    const error = await rejectionOf(client.request(SessionHello, HELLO));
    expect(error.code).toBe(AgentErrorCodes.Conflict);
    expect(error.code).toBe(-33006);
    expect((await client.request(AgentStatusRequest, undefined)).online).toBe(true);
  });

  it('answers invalid params with -32602 naming the bad field, and keeps answering', async (ctx) => {
    const client = await AgentClient.connect(sandbox.socket);
    ctx.onTestFinished(() => client.close());
    const error = await rejectionOf(client.request(UncheckedHello, { ...HELLO, client: { ...HELLO.client, kind: 'evil' } }));
    expect(error.code).toBe(JsonRpcErrorCodes.InvalidParams);
    expect(error.code).toBe(-32602);
    expect(error.message).toContain('session.hello');
    expect(error.message).toContain('kind');

    const missing = await rejectionOf(client.request(UncheckedHello, { protocolVersion: 1 }));
    expect(missing.code).toBe(-32602);

    // The same connection, then another one, still get answers.
    await client.request(SessionHello, HELLO);
    expect((await client.request(AgentStatusRequest, undefined)).backend).toBe('embedded');
    expect((await statusOf(sandbox.socket)).online).toBe(true);
    expect(agent.child.exitCode).toBeNull();
  });
});

describe('start-up options', () => {
  it('--offline starts with the backend offline', async (ctx) => {
    const sandbox = sandboxFor(ctx);
    await agentIn(sandbox, { socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--offline'] });
    const status = await statusOf(sandbox.socket);
    expect(status.online).toBe(false);
    expect(status.backend).toBe('embedded');
  });

  it('honours --config (offline, Debug), and a flag overrides the file', async (ctx) => {
    const sandbox = sandboxFor(ctx);
    const config = join(sandbox.dir, 'agent.json');
    writeFileSync(config, JSON.stringify({ offline: true, logLevel: 'Debug' }));

    const fromFile = await agentIn(sandbox, { socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--config', config] });
    try {
      const status = await statusOf(sandbox.socket);
      expect(status.online).toBe(false);
      expect(status.logLevel).toBe('Debug');
    } finally {
      expect(await fromFile.stop()).toBe(0);
    }

    await agentIn(sandbox, { socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--config', config, '--log-level', 'Error'] });
    const overridden = await statusOf(sandbox.socket);
    expect(overridden.logLevel).toBe('Error');
    expect(overridden.online).toBe(false);
  });
});

describe.concurrent('refusals at start-up', () => {
  it('--help exits 0 and lists the options', async () => {
    const { code, stdout } = await runAgent(['--help']);
    expect(code).toBe(0);
    for (const flag of ['--socket', '--data-dir', '--policies', '--jobs', '--config', '--offline']) expect(stdout).toContain(flag);
  });

  it('an unknown flag exits 2 with a message naming it', async () => {
    const { code, stdout, stderr } = await runAgent(['--bogus-flag']);
    expect(code).toBe(2);
    expect(stderr).toContain('--bogus-flag');
    expect(stderr).toContain('--help');
    expect(stdout).toBe('');
  });

  it('an invalid config file (unknown key) exits 2 naming the file', async (ctx) => {
    const sandbox = sandboxFor(ctx);
    const config = join(sandbox.dir, 'bad-config.json');
    writeFileSync(config, JSON.stringify({ offline: true, surpriseKey: 1 }));
    const { code, stderr } = await runAgent(['--config', config, '--socket', sandbox.socket, '--data-dir', sandbox.dataDir]);
    expect(code).toBe(2);
    expect(stderr).toContain(config);
    expect(stderr).toContain('surpriseKey');
    expect(existsSync(sandbox.socket)).toBe(false);
  });

  it('a missing --data-dir exits 2: "does not exist", and nothing is created', async (ctx) => {
    const sandbox = sandboxFor(ctx);
    const missing = join(sandbox.dir, 'missing');
    const { code, stderr } = await runAgent(['--socket', sandbox.socket, '--data-dir', missing, '--health-port', '0']);
    expect(code).toBe(2);
    expect(stderr).toContain(missing);
    expect(stderr).toContain('does not exist');
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(sandbox.socket)).toBe(false);
  });

  it('a --data-dir that is a regular file exits 2: "is not a directory"', async (ctx) => {
    const sandbox = sandboxFor(ctx);
    const file = join(sandbox.dir, 'plain-file');
    writeFileSync(file, 'not a directory');
    const { code, stderr } = await runAgent(['--socket', sandbox.socket, '--data-dir', file, '--health-port', '0']);
    expect(code).toBe(2);
    expect(stderr).toContain('is not a directory');
    expect(readFileSync(file, 'utf8')).toBe('not a directory');
  });

  it('a socket path that is a regular file: exits non-zero, "not a socket", file untouched', async (ctx) => {
    const sandbox = sandboxFor(ctx);
    writeFileSync(sandbox.socket, 'precious data');
    const { code, stderr } = await runAgent(['--socket', sandbox.socket, '--data-dir', sandbox.dataDir, '--health-port', '0']);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(stderr).toContain(sandbox.socket);
    expect(stderr).toContain('is not a socket');
    expect(lstatSync(sandbox.socket).isFile()).toBe(true);
    expect(readFileSync(sandbox.socket, 'utf8')).toBe('precious data');
  });
});

/** The nobody account, and why the unwritable-data-dir case cannot run here (null when it can). */
const nobody = (() => {
  const fields = existsSync('/etc/passwd')
    ? readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .map((line) => line.split(':'))
        .find((f) => f[0] === 'nobody')
    : undefined;
  return fields ? { uid: Number(fields[2]), gid: Number(fields[3]) } : null;
})();

function nobodySkipReason(): string | null {
  if (process.platform === 'win32') return 'no POSIX users on Windows';
  if (process.getuid?.() !== 0) return 'the tests do not run as root, so they cannot switch to nobody';
  if (!nobody) return 'there is no nobody user in /etc/passwd';
  // --help loads every module of the agent: if nobody can run it, nobody can read the bin and the tree.
  const probe = spawnSync(process.execPath, [AGENT_BIN, '--help'], { ...nobody, encoding: 'utf8', timeout: 15_000 });
  if (probe.error) return `nobody cannot start ${process.execPath}: ${probe.error.message}`;
  if (probe.status !== 0) {
    return `nobody cannot run the agent from this tree (--help exited ${probe.status}: ${probe.stderr.trim().split('\n')[0] ?? ''})`;
  }
  return null;
}

const nobodySkip = nobodySkipReason();

describe('a data dir the agent user cannot write', () => {
  it.skipIf(nobodySkip !== null)(
    `exits 2: "not readable and writable" (agent run as nobody against a 0700 root-owned dir)${nobodySkip ? ` [skipped: ${nobodySkip}]` : ''}`,
    async (ctx) => {
      const sandbox = sandboxFor(ctx);
      chmodSync(sandbox.dir, 0o755);
      const locked = join(sandbox.dir, 'locked');
      mkdirSync(locked, { mode: 0o700 });
      chmodSync(locked, 0o700);

      const child = spawn(process.execPath, [AGENT_BIN, '--socket', sandbox.socket, '--data-dir', locked, '--health-port', '0'], {
        ...nobody!,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.resume();
      const code = await withTimeout(
        new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))),
        15_000,
        'the agent run as nobody did not exit',
      ).catch((error: unknown) => {
        child.kill('SIGKILL');
        throw error;
      });

      expect(code).toBe(2);
      expect(stderr).toContain(locked);
      expect(stderr).toContain('not readable and writable');
      expect(readdirSync(locked)).toEqual([]);
      expect(existsSync(sandbox.socket)).toBe(false);
    },
  );
});

describe('socket ownership', () => {
  it('a second agent on the same socket exits 3 naming it, and the first keeps its socket', async (ctx) => {
    const sandbox = sandboxFor(ctx);
    const first = await agentIn(sandbox, { socket: sandbox.socket, dataDir: sandbox.dataDir });
    const { agentId } = await statusOf(sandbox.socket);

    const otherData = join(sandbox.dir, 'second');
    mkdirSync(otherData, { mode: 0o700 });
    const second = await runAgent(['--socket', sandbox.socket, '--data-dir', otherData, '--health-port', '0']);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(sandbox.socket);
    expect(second.stderr).toContain('already listening');

    expect(lstatSync(sandbox.socket).isSocket()).toBe(true);
    const after = await statusOf(sandbox.socket);
    expect(after.agentId).toBe(agentId);
    expect(first.child.exitCode).toBeNull();
  });

  it('a stale socket file left by a killed agent is recovered by the next agent', async (ctx) => {
    const sandbox = sandboxFor(ctx);
    const crashed = await agentIn(sandbox, { socket: sandbox.socket, dataDir: sandbox.dataDir });
    await crashed.kill();
    expect(crashed.child.signalCode).toBe('SIGKILL');
    expect(lstatSync(sandbox.socket).isSocket()).toBe(true);
    const refused = await AgentClient.connect(sandbox.socket, 1_000).then(
      (client) => {
        client.close();
        return null;
      },
      (error: NodeJS.ErrnoException) => error.code,
    );
    expect(refused).toBe('ECONNREFUSED');

    const next = await agentIn(sandbox, { socket: sandbox.socket, dataDir: sandbox.dataDir });
    const status = await statusOf(sandbox.socket);
    expect(status.online).toBe(true);
    expect(next.child.exitCode).toBeNull();
  });
});

describe('persistence and shutdown', () => {
  it('keeps agent.db in WAL mode and the same agentId across two restarts', async (ctx) => {
    const sandbox = sandboxFor(ctx);
    const ids: string[] = [];
    for (let run = 0; run < 3; run++) {
      const agent = await agentIn(sandbox, { socket: sandbox.socket, dataDir: sandbox.dataDir });
      try {
        ids.push((await statusOf(sandbox.socket)).agentId);
      } finally {
        expect(await agent.stop()).toBe(0);
      }
    }
    expect(ids[0]).toMatch(UUID);
    expect(ids).toEqual([ids[0], ids[0], ids[0]]);

    const dbPath = join(sandbox.dataDir, 'agent.db');
    expect(lstatSync(dbPath).isFile()).toBe(true);
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const row = db.prepare('SELECT agent_id FROM agent_identity WHERE id = 1').get() as { agent_id: string } | undefined;
      expect(row?.agent_id).toBe(ids[0]);
    } finally {
      db.close();
    }

    // A different data dir is a different agent.
    const otherData = join(sandbox.dir, 'other');
    mkdirSync(otherData, { mode: 0o700 });
    await agentIn(sandbox, { socket: sandbox.socket, dataDir: otherData });
    expect((await statusOf(sandbox.socket)).agentId).not.toBe(ids[0]);
  });

  it('stops on SIGTERM with exit code 0, dropping its clients and removing the socket file', async (ctx) => {
    const sandbox = sandboxFor(ctx);
    const agent = await agentIn(sandbox, { socket: sandbox.socket, dataDir: sandbox.dataDir });
    const client = await clientFor(ctx, sandbox.socket);
    const dropped = new Promise<string>((resolve) => client.onClose(resolve));
    expect(lstatSync(sandbox.socket).isSocket()).toBe(true);

    const code = await withTimeout(agent.stop(), 10_000, 'the agent did not exit after SIGTERM');
    expect(code).toBe(0);
    expect(agent.child.signalCode).toBeNull();
    expect(existsSync(sandbox.socket)).toBe(false);
    await withTimeout(dropped, 5_000, 'the client was not disconnected');
    expect(client.isClosed).toBe(true);
  });
});
