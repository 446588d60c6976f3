import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_DIR } from '../../support/agentProcess.ts';
import { systemUser } from '../../support/requesterProcess.ts';

export interface OfflinePrompt {
  promptId: string;
  challenge: string;
  machine: string;
  attemptsLeft: number;
  expiresAt: string;
}

export interface RespondResult {
  accepted: boolean;
  reason?: string;
  retriesLeft?: number;
  reasonDetail?: { code: string };
}

export interface OfflineRequester {
  readonly child: ChildProcess;
  /** Resolves once the window's desktop session is set up (it then gets the user's prompts). */
  readonly ready: Promise<boolean>;
  /** The first offline-approval prompt of this request (the challenge the window shows). */
  readonly prompt: Promise<OfflinePrompt>;
  /** The challenge as the request's status carried it (what keeper-elevate prints). */
  readonly status: Promise<{ challenge: string; machine: string; expiresAt: string }>;
  /** Types a response into the window, as the requester would. */
  respond(approver: string, code: string): Promise<RespondResult | { error: string }>;
  /** The request's end; when allowed, the program was run and `exitCode` is its status. */
  readonly outcome: Promise<{ state: string; reason: string; exitCode?: number }>;
}

/**
 * The requester as a real OS user with a desktop session (her pending window): answers the
 * justification, reports the offline challenge, types the responses it is given, and once the
 * request is allowed runs the program through `elevation.run` and reports its exit status.
 */
export function startOfflineRequester(
  socket: string,
  user: string,
  /** Null: ask nothing, only answer the prompts of the user's requests made elsewhere (keeper-elevate). */
  executable: string | null,
  options: { cwd?: string; arguments?: readonly string[] } = {},
): OfflineRequester {
  const protocol = (file: string) => JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src', file));
  const script = `
    const { AgentClient } = await import(${protocol('node/agentClient.ts')});
    const p = await import(${protocol('common/index.ts')});
    const readline = await import('node:readline');
    const c = await AgentClient.connect(${JSON.stringify(socket)});
    const say = (line) => console.log(JSON.stringify(line));
    let id = null;
    let promptId = null;
    const early = [];
    // Without an executable this is only the user's window: it answers the prompts of any request (keeper-elevate's).
    const any = ${JSON.stringify(executable === null)};
    const onPrompt = (prompt) => {
      if (!any && id === null) return void early.push(prompt);
      if (!any && prompt.subject.requestId !== id) return;
      if (prompt.kind === 'justification') void c.request(p.PromptRespond, { promptId: prompt.promptId, response: { kind: 'justification', text: 'Needed while the fleet is away' } }).catch(() => {});
      if (prompt.offlineApproval) {
        promptId = prompt.promptId;
        say({ offline: { promptId: prompt.promptId, ...prompt.offlineApproval } });
      }
    };
    c.onNotification(p.PromptShowNotification, onPrompt);
    readline.createInterface({ input: process.stdin }).on('line', async (line) => {
      const { approver, code } = JSON.parse(line);
      try {
        say({ respond: await c.request(p.PromptRespond, { promptId, response: { kind: 'offlineApproval', approver, code } }) });
      } catch (error) {
        say({ respond: { error: error.message } });
      }
    });
    const finish = async (u) => {
      // Denied: the window stays, so a late response can still be typed (and refused).
      if (u.state !== 'allowed') return void say({ outcome: { state: u.state, reason: u.reason } });
      const exited = new Promise((resolve) => c.onNotification(p.ElevationExited, (e) => resolve(e.code)));
      await c.request(p.ElevationRun, { requestId: id });
      say({ outcome: { state: u.state, reason: u.reason, exitCode: await exited } });
    };
    const finals = new Map();
    c.onNotification(p.ElevationUpdated, (u) => {
      if (u.offlineApproval && u.requestId === id) say({ status: u.offlineApproval });
      if (u.state === 'pending') return;
      if (u.requestId === id) void finish(u); else finals.set(u.requestId, u);
    });
    await c.request(p.SessionHello, { protocolVersion: 1, client: { kind: 'desktop', name: 'pending-window', version: '1' } });
    say({ ready: true });
    if (any) await new Promise(() => {});
    const r = await c.request(p.ElevationRequest, { executable: ${JSON.stringify(executable)}, arguments: ${JSON.stringify(options.arguments ?? [])}, cwd: ${JSON.stringify(options.cwd ?? '/')} });
    id = r.requestId;
    say({ requestId: id });
    for (const prompt of early.splice(0)) onPrompt(prompt);
    if (r.state !== 'pending') void finish({ state: r.state, reason: r.decision.reason });
    else if (finals.has(id)) void finish(finals.get(id));`;
  const { uid, gid } = systemUser(user);
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { uid, gid, cwd: options.cwd ?? '/', stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const complete = (partial + chunk.toString()).split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    for (const wake of [...waiters]) wake();
  });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  /** The `nth` line (from 0) carrying `key`. */
  const line = <T>(key: string, nth = 0) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = lines.filter((l) => key in l)[nth];
        if (found) {
          waiters.delete(check);
          resolve(found[key] as T);
        }
      };
      waiters.add(check);
      // 'close' comes after the child's last output was read: no line can still arrive.
      child.once('close', () => reject(new Error(`requester exited without ${key}: ${errors}`)));
      check();
    });
  let responses = 0;
  const ready = line<boolean>('ready');
  const prompt = line<OfflinePrompt>('offline');
  const status = line<{ challenge: string; machine: string; expiresAt: string }>('status');
  const outcome = line<{ state: string; reason: string; exitCode?: number }>('outcome');
  for (const p of [ready, prompt, status, outcome]) p.catch(() => {});
  return {
    child,
    ready,
    prompt,
    status,
    outcome,
    respond(approver, code) {
      const answer = line<RespondResult | { error: string }>('respond', responses++);
      child.stdin.write(`${JSON.stringify({ approver, code })}\n`);
      return answer;
    },
  };
}
