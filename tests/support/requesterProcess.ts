import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_DIR } from './agentProcess.ts';

export function systemUser(name: string): { uid: number; gid: number } {
  const fields = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`))
    ?.split(':');
  if (!fields) throw new Error(`no user ${name} in /etc/passwd`);
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

export interface RequesterProcess {
  readonly child: ChildProcess;
  /** Resolves with the request id once the agent accepted the request. */
  readonly requestId: Promise<string>;
  /** Resolves with the request's final state and reason. */
  readonly outcome: Promise<{ state: string; reason: string }>;
}

/**
 * A requester running as another real OS user: its own desktop session answers its justification
 * prompt, then it asks to elevate `executable` and reports the final state. The agent offers the
 * prompt only to a verified desktop: give a person (`keeper-alice`) a fixture login session
 * (tests/support/desktopSessions.ts); a system account such as `nobody` never gets it.
 */
export function startRequester(
  socket: string,
  user: string,
  executable: string,
  justification: string,
  /** The request's arguments and working directory (none, and `/`, by default). */
  options: {
    arguments?: readonly string[];
    cwd?: string;
    /** A program that runs the requester as its child, e.g. a parent shaped like an AI agent (agentShapedProcess.ts). */
    via?: string;
  } = {},
): RequesterProcess {
  const protocol = (file: string) => JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src', file));
  const script = `
    const { AgentClient } = await import(${protocol('node/agentClient.ts')});
    const p = await import(${protocol('common/index.ts')});
    const c = await AgentClient.connect(${JSON.stringify(socket)});
    // Prompts go to every connection of the user: answer only this request's own (two requesters may run at once).
    let id = null;
    const early = [];
    const answer = (prompt) => {
      if (prompt.kind !== 'justification') return;
      if (id === null) return void early.push(prompt);
      if (prompt.subject.requestId === id) void c.request(p.PromptRespond, { promptId: prompt.promptId, response: { kind: 'justification', text: ${JSON.stringify(justification)} } });
    };
    c.onNotification(p.PromptShowNotification, answer);
    const finals = new Map();
    const report = (u) => { console.log(JSON.stringify({ outcome: { state: u.state, reason: u.reason } })); c.close(); };
    c.onNotification(p.ElevationUpdated, (u) => {
      if (u.state === 'pending') return;
      if (u.requestId === id) report(u); else finals.set(u.requestId, u);
    });
    await c.request(p.SessionHello, { protocolVersion: 1, client: { kind: 'desktop', name: 'requester', version: '1' } });
    const r = await c.request(p.ElevationRequest, { executable: ${JSON.stringify(executable)}, arguments: ${JSON.stringify(options.arguments ?? [])}, cwd: ${JSON.stringify(options.cwd ?? '/')} });
    id = r.requestId;
    for (const prompt of early.splice(0)) answer(prompt);
    console.log(JSON.stringify({ requestId: r.requestId, state: r.state }));
    if (r.state !== 'pending') report({ state: r.state, reason: r.decision.reason });
    else if (finals.has(id)) report(finals.get(id));`;
  const { uid, gid } = systemUser(user);
  // It runs in the folder it names, as keeper-elevate does.
  const command = [process.execPath, '--input-type=module', '-e', script];
  const child = spawn(options.via ?? command[0]!, options.via ? command : command.slice(1), {
    uid,
    gid,
    cwd: options.cwd ?? '/',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const lines: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const complete = output.split('\n');
    output = complete.pop() ?? '';
    for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    for (const w of waiters) w();
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const waitFor = <T>(key: string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const line = lines.find((l) => key in l);
        if (line) {
          waiters.delete(check);
          resolve(line[key] as T);
        }
      };
      waiters.add(check);
      // 'close' comes after the last of its output was read (unlike 'exit'): then no line can still come.
      child.once('close', () => reject(new Error(`requester exited without ${key}: ${errors}`)));
      check();
    });
  const requestId = waitFor<string>('requestId');
  const outcome = waitFor<{ state: string; reason: string }>('outcome');
  // Tests that kill the requester never await its outcome; that must not count as unhandled.
  requestId.catch(() => {});
  outcome.catch(() => {});
  return { child, requestId, outcome };
}
