import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { PROTOCOL_VERSION, SessionHello } from '../../shared/protocol/src/common/index.ts';
import { rootDesktopFixture, type DesktopSessionFixture } from './desktopSessions.ts';

export const PROJECT_DIR = resolve(import.meta.dirname, '../..');
export const AGENT_BIN = join(PROJECT_DIR, 'apps/agent-service/bin/keeper-agent.js');

/**
 * A temp folder for one test, short enough for sun_path: `dir` (0700; chmod it 0755 to let other
 * users reach the socket), the socket in a 0755 `run/` folder (as the system agent's), and a 0700
 * `data/` folder, as the agent refuses a data folder others can read.
 */
export function makeSandbox(): { dir: string; socket: string; dataDir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'kpt-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const runDir = join(dir, 'run');
  mkdirSync(runDir);
  chmodSync(runDir, 0o755);
  return { dir, socket: join(runDir, 'agent.sock'), dataDir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly socket: string;
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /**
   * Moves the agent's clock `ms` forward (it must have been started with --time-skip) and returns once
   * it says so: every timer then due (escalation, expiry, a prompt's timeout) has run by then.
   */
  skipTime(ms: number): Promise<void>;
}

let rootDesktop: DesktopSessionFixture | undefined;

/** logind's state as the agents of this test process read it by default: this process is root's desktop session. */
function defaultLogindDir(): string {
  if (!rootDesktop) {
    rootDesktop = rootDesktopFixture();
    process.once('exit', () => rootDesktop?.cleanup());
  }
  return rootDesktop.dir;
}

/**
 * Runs the real agent (bin script, Node 24) and returns once it answers on its socket. It reads
 * desktop sessions from `logindDir` (tests/support/desktopSessions.ts), by default a fixture in which
 * this test process, and so every process it spawns as root, is root's verified desktop.
 */
export async function startAgent(args: {
  socket: string;
  dataDir: string;
  extra?: string[];
  /** Another checkout's agent (benchmarks); it is given no --logind-dir, which older agents lack. */
  agentBin?: string;
  logindDir?: string;
  /** Starts it with --time-skip (as `extra` may too), so the test can move its clock with `skipTime` instead of waiting. */
  timeSkip?: boolean;
}): Promise<AgentProcess> {
  const sessions = args.agentBin ? [] : ['--logind-dir', args.logindDir ?? defaultLogindDir()];
  const timeSkip = args.timeSkip === true || (args.extra ?? []).includes('--time-skip');
  if (args.timeSkip) sessions.push('--time-skip');
  const child = spawn(
    process.execPath,
    [args.agentBin ?? AGENT_BIN, '--socket', args.socket, '--data-dir', args.dataDir, '--health-port', '0', ...sessions, ...(args.extra ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  let skipped = 0;

  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}: ${output}`);
    try {
      (await AgentClient.connect(args.socket, 500)).close();
      return {
        child,
        socket: args.socket,
        output: () => output,
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          return exited;
        },
        kill: async () => {
          if (child.exitCode === null) child.kill('SIGKILL');
          await exited;
        },
        skipTime: async (ms) => {
          if (!timeSkip) throw new Error('skipTime needs an agent started with --time-skip');
          skipped += ms;
          await skipAgentTime(child, args.dataDir, skipped, () => output);
        },
      };
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`agent did not answer on ${args.socket} within 15 s: ${output}`);
}

/** The agent's complete warn lines about time skips (`time skipped` with the total, or `time skip refused` with why). */
export function timeSkipLines(output: string): Array<{ msg: string; skippedMs?: number; why?: string }> {
  return output
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.includes('"msg":"time skipped"') || line.includes('"msg":"time skip refused"'))
    .map((line) => JSON.parse(line) as { msg: string; skippedMs?: number; why?: string });
}

/** Writes the new total (renamed into place, so the agent never reads half of it), signals, and waits for the agent's word. */
async function skipAgentTime(child: ChildProcess, dataDir: string, totalMs: number, output: () => string): Promise<void> {
  const answered = timeSkipLines(output()).length;
  const file = join(dataDir, 'time-skip');
  writeFileSync(`${file}.new`, `${totalMs}\n`, { mode: 0o600 });
  renameSync(`${file}.new`, file);
  child.kill('SIGUSR2');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const answer = timeSkipLines(output())[answered];
    if (answer?.msg === 'time skipped' && (answer.skippedMs ?? 0) >= totalMs) return;
    if (answer) throw new Error(`the agent did not skip to ${totalMs} ms: ${answer.why ?? JSON.stringify(answer)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`the agent did not acknowledge a time skip to ${totalMs} ms within 10 s`);
}

/** Runs the agent binary to completion (for flag and startup-error cases). */
export function runAgent(argv: string[], timeoutMs = 15_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [AGENT_BIN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`keeper-agent ${argv.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

/** A connected client that has completed the handshake. */
export async function connectClient(socket: string, kind: 'cli' | 'desktop' = 'cli'): Promise<AgentClient> {
  const client = await AgentClient.connect(socket);
  await client.request(SessionHello, { protocolVersion: PROTOCOL_VERSION, client: { kind, name: 'test', version: '1' } });
  return client;
}
