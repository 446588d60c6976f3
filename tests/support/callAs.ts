import { runAs } from './asUser.ts';

export type CallOutcome = { ok: true; result: unknown } | { ok: false; code: number; message: string };

/**
 * One protocol request made by a process running as another real OS user (after the handshake), so
 * the agent learns that user from the kernel exactly as it would in production.
 */
export function callAs(socket: string, user: string, method: string, params: unknown): Promise<CallOutcome> {
  return runAs<CallOutcome>(
    user,
    socket,
    `
    const c = await connect();
    console.log(JSON.stringify(await call(c, ${JSON.stringify(method)}, ${JSON.stringify(params)})));
    c.close();`,
  );
}
