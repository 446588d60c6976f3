import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_DIR } from './agentProcess.ts';
import { systemUser } from './requesterProcess.ts';

/** What a refused call carried back: its JSON-RPC code, message and data (the reason detail). */
export interface Refusal {
  readonly code: number;
  readonly message: string;
  readonly data?: { reasonDetail?: { code: string; values: Record<string, unknown> } };
}

/**
 * Runs a Node module body as another real OS user, with `connect()` (a client after session.hello),
 * `call(client, method, params)` (→ { ok, result } or { ok: false, ...Refusal }) and `p` (the
 * protocol) in scope; the body's last `console.log` line is its JSON answer.
 */
export function runAs<T>(user: string, socket: string, body: string): Promise<T> {
  const protocol = (file: string) => JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src', file));
  const script = `
    const { AgentClient } = await import(${protocol('node/agentClient.ts')});
    const p = await import(${protocol('common/index.ts')});
    const connect = async () => {
      const c = await AgentClient.connect(${JSON.stringify(socket)});
      await c.request(p.SessionHello, { protocolVersion: p.PROTOCOL_VERSION, client: { kind: 'cli', name: 'security-test', version: '1' } });
      return c;
    };
    const call = async (c, method, params) => {
      const descriptor = Object.values(p).find((d) => d && d.kind === 'request' && d.method === method);
      try {
        return { ok: true, result: await c.request(descriptor, params) };
      } catch (error) {
        return { ok: false, code: error.code, message: error.message, data: error.data };
      }
    };
    ${body}`;
  const { uid, gid } = systemUser(user);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { uid, gid, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as T);
      } catch {
        reject(new Error(`script as ${user} failed: ${out}${err}`));
      }
    });
  });
}

/** One `elevation.request` answer as another user sees it: the decision, or the refusal. */
export type ElevationAnswer =
  | { ok: true; result: { state: string; decision: { outcome: string; controls: string[]; deciding: string[]; reasonDetail?: { code: string } } } }
  | ({ ok: false } & Refusal);

/** `user` asks the agent at `socket` to run `executable` with `args` from `/`, over a connection of their own. */
export function requestElevationAs(user: string, socket: string, executable: string, args: readonly string[] = []): Promise<ElevationAnswer> {
  return runAs<ElevationAnswer>(
    user,
    socket,
    `const c = await connect();
     console.log(JSON.stringify(await call(c, 'elevation.request', { executable: ${JSON.stringify(executable)}, arguments: ${JSON.stringify(args)}, cwd: '/' })));
     c.close();`,
  );
}

/** A long-running loop as another user (e.g. flipping a path), stopped by the test. */
export function loopAs(user: string, body: string): ChildProcess {
  const { uid, gid } = systemUser(user);
  return spawn(process.execPath, ['-e', body], { uid, gid, cwd: '/', stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
