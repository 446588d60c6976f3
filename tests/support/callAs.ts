import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_DIR } from './agentProcess.ts';
import { systemUser } from './requesterProcess.ts';

export type CallOutcome = { ok: true; result: unknown } | { ok: false; code: number; message: string };

/**
 * One protocol request made by a process running as another real OS user (after the handshake), so
 * the agent learns that user from the kernel exactly as it would in production.
 */
export function callAs(socket: string, user: string, method: string, params: unknown): Promise<CallOutcome> {
  const protocol = (file: string) => JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src', file));
  const script = `
    const { AgentClient } = await import(${protocol('node/agentClient.ts')});
    const p = await import(${protocol('common/index.ts')});
    const c = await AgentClient.connect(${JSON.stringify(socket)});
    await c.request(p.SessionHello, { protocolVersion: p.PROTOCOL_VERSION, client: { kind: 'cli', name: 'call-as', version: '1' } });
    const descriptor = Object.values(p).find((d) => d && d.kind === 'request' && d.method === ${JSON.stringify(method)});
    try {
      console.log(JSON.stringify({ ok: true, result: await c.request(descriptor, ${JSON.stringify(params)}) }));
    } catch (error) {
      console.log(JSON.stringify({ ok: false, code: error.code, message: error.message }));
    }
    c.close();`;
  const { uid, gid } = systemUser(user);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { uid, gid, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as CallOutcome);
      } catch {
        reject(new Error(`call as ${user} failed: ${out}${err}`));
      }
    });
  });
}
