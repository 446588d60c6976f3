import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_DIR } from './agentProcess.ts';
import { systemUser } from './requesterProcess.ts';
import { ELEVATE } from './runAsCli.ts';

/** How an AI agent's process looks in /proc: a program of its own, or a script under an interpreter (`node claude`, `python3 -m aider`). */
export type AgentShape = 'program' | 'interpreted';

export interface AgentRun {
  /** keeper-elevate's exit code, or null when it did not run to the end. */
  readonly code: number | null;
  /** What `policy.explain` answered for the same program, from the same process tree. */
  readonly explained: { agentic: unknown; decision: { outcome: string } } | null;
  readonly output: string;
}

/**
 * Real process trees for AI-agent detection (docs/agentic.md). `agentLike` makes a process that /proc
 * shows exactly as an agent named `name` would be, started with `argv`: a `program` is a script file
 * of that name (comm = name), `interpreted` is that file run by `/bin/sh` (exe = the interpreter,
 * the script names the program). That process asks `policy.explain` and runs keeper-elevate for
 * `executable` as `user`. Each run is detached from the test's own tree (`setsid -f`), so whatever
 * runs the tests (an AI agent too) is no ancestor; `terminal` gives it a pseudo-terminal (`script`),
 * as a person's terminal session has.
 */
export function agentShapes(dir: string, socket: string) {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  const protocol = (file: string) => JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src', file));
  const explain = (executable: string) => `
    const { AgentClient } = await import(${protocol('node/agentClient.ts')});
    const p = await import(${protocol('common/index.ts')});
    const c = await AgentClient.connect(${JSON.stringify(socket)});
    await c.request(p.SessionHello, { protocolVersion: p.PROTOCOL_VERSION, client: { kind: 'cli', name: 'agent-shape', version: '1' } });
    const answer = await c.request(p.PolicyExplain, { executable: ${JSON.stringify(executable)}, arguments: [], cwd: '/' });
    console.log('EXPLAINED ' + JSON.stringify({ agentic: answer.agentic, decision: answer.decision }));
    c.close();`;
  const body = (executable: string) =>
    [
      '#!/bin/sh',
      `"$KEEPER_NODE" --input-type=module -e '${explain(executable).replaceAll("'", `'"'"'`)}'`,
      `"$KEEPER_NODE" ${JSON.stringify(ELEVATE)} --socket ${JSON.stringify(socket)} ${executable}`,
      'echo "EXIT $?"',
      '',
    ].join('\n');

  const run = (command: string[], user: string, terminal: boolean): Promise<AgentRun> => {
    const { uid, gid } = systemUser(user);
    const quoted = command.map((arg) => `'${arg.replaceAll("'", `'"'"'`)}'`).join(' ');
    const argv = terminal ? ['-f', 'script', '-qec', quoted, '/dev/null'] : ['-f', ...command];
    return new Promise((resolve) => {
      const child = spawn('setsid', argv, {
        uid,
        gid,
        cwd: '/',
        env: { PATH: '/usr/bin:/bin', SHELL: '/bin/sh', KEEPER_NODE: process.execPath },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      // The detached run holds the pipes until it ends: 'close' waits for it, not for setsid.
      child.on('close', () => {
        const lines = output.replaceAll('\r', '').split('\n');
        const explained = lines.find((l) => l.startsWith('EXPLAINED '));
        const exit = lines.find((l) => l.startsWith('EXIT '));
        resolve({
          code: exit ? Number(exit.slice(5)) : null,
          explained: explained ? (JSON.parse(explained.slice(10)) as AgentRun['explained']) : null,
          output,
        });
      });
    });
  };

  return {
    /** Runs as an agent named `name` with `argv`, shaped as `shape`. */
    agentLike(name: string, argv: readonly string[], shape: AgentShape, options: { user: string; executable: string; terminal?: boolean }): Promise<AgentRun> {
      const file = join(dir, name);
      writeFileSync(file, body(options.executable));
      chmodSync(file, 0o755);
      const command = shape === 'program' ? [file, ...argv] : ['/bin/sh', file, ...argv];
      return run(command, options.user, options.terminal ?? false);
    },
    /** A person's plain terminal session: a shell script under a pseudo-terminal, no agent anywhere above it. */
    terminalSession(options: { user: string; executable: string }): Promise<AgentRun> {
      const file = join(dir, 'build-and-install.sh');
      writeFileSync(file, body(options.executable));
      chmodSync(file, 0o755);
      return run(['/bin/sh', '-c', `${file}; :`], options.user, true);
    },
  };
}

/**
 * A parent shaped like an AI agent for a long-running child (the web shell): a script file named
 * `name` that runs its arguments as a child, passes SIGTERM/SIGINT on and exits with its status.
 */
export function agentParentScript(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      '"$@" &',
      'child=$!',
      'trap \'kill -TERM "$child" 2>/dev/null\' TERM INT',
      'wait "$child"',
      'status=$?',
      'wait "$child" 2>/dev/null',
      'exit $status',
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  return file;
}
