import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { AGENT_BIN } from './agentProcess.ts';
import { systemUser } from './requesterProcess.ts';

export interface AgentRun {
  readonly child: ChildProcess;
  /** Resolves with the socket from the agent's "keeper-agent started" log line, or rejects when it exits first. */
  readonly started: Promise<string>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * The real agent binary, optionally as another OS user and under a given umask (through /bin/sh, as
 * a service manager or a terminal would start it), logging at Information so its start is awaitable.
 * Call it inside a test: the agent is stopped when the test ends, whatever happened in it.
 */
export function runAgentAs(argv: readonly string[], options: { user?: string; umask?: string; env?: NodeJS.ProcessEnv } = {}): AgentRun {
  const identity = options.user ? systemUser(options.user) : {};
  const child = spawn(
    '/bin/sh',
    ['-c', `umask ${options.umask ?? '022'}; exec "$0" "$@"`, process.execPath, AGENT_BIN, '--health-port', '0', '--log-level', 'Information', ...argv],
    { ...identity, cwd: '/', env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<string>((resolve, reject) => {
    const scan = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.includes('"keeper-agent started"')) continue;
        resolve((JSON.parse(line) as { socket: string }).socket);
      }
    };
    child.stdout.on('data', scan);
    child.stderr.on('data', scan);
    void exited.then((code) => reject(new Error(`the agent exited with ${code} before it started: ${output}`)));
  });
  started.catch(() => {});
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  onTestFinished(async () => {
    await stop();
  });
  return { child, started, exited, output: () => output, stop };
}

/** Runs a command as another OS user to completion (the attacker's shell commands). */
export function runAs(user: string, command: string, args: readonly string[]): { status: number | null; stderr: string } {
  const result = spawnSync(command, [...args], { ...systemUser(user), cwd: '/', encoding: 'utf8', timeout: 15_000 });
  return { status: result.status, stderr: result.stderr };
}
