import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentErrorCodes, ElevationRequest } from '../../shared/protocol/src/common/index.ts';
import { connectClient, PROJECT_DIR } from '../support/agentProcess.ts';
import { runAs } from '../support/asUser.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';

interface Answer {
  ok: boolean;
  result?: { requestId: string; state: string; run?: { runId: string; pid: number } };
  code?: number;
  message?: string;
}

interface Exchange {
  answer: Answer;
  /** elevation.run for the same request afterwards (the run-at-once must have used it up). */
  runAgain: Answer | null;
  /** The run notifications this connection got: up to a started run's exit, else within a second of the answer. */
  notifications: string[];
}

/**
 * Attack: `elevation.request` may ask for the program to be started at once when allowed (`run`),
 * saving keeper-elevate a round trip. Played by nobody: asking for run-at-once on a request its policy
 * denies or makes wait for a prompt, or steering the run to another user's allowed request, must run
 * nothing and leave the same audit as the request without `run`; on an ALLOW policy the program runs
 * exactly once, through elevation.run's checks and audit. Requests are raw JSON-RPC (OneShotConnection),
 * so fields the protocol's schema would strip on the client side reach the agent as an attacker sends them.
 */
describe('elevation.request with run-at-once (played by nobody)', () => {
  const sandbox = policyAgentSandbox();
  // Root's own folder: only a program run as root can leave a mark in it.
  const tools = mkdtempSync(join(tmpdir(), 'kpt-runatonce-'));
  const marks = join(tools, 'marks');
  const tool = (name: string) => join(tools, name);

  const auditTypes = (requestId: string): string[] => {
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    try {
      return (db.prepare('SELECT type FROM audit_events WHERE request_id = ? ORDER BY seq').all(requestId) as Array<{ type: string }>).map((e) => e.type);
    } finally {
      db.close();
    }
  };

  /** nobody's raw exchange: session.hello, then elevation.request with `params` as given, then elevation.run once more. */
  const requestAsNobody = (params: Record<string, unknown>): Promise<Exchange> =>
    runAs<Exchange>(
      'nobody',
      sandbox.socket,
      `const { OneShotConnection } = await import(${JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src/node/oneShotConnection.ts'))});
       const raw = await OneShotConnection.connect(${JSON.stringify(sandbox.socket)});
       const notifications = [];
       for (const method of ['elevation.output', 'elevation.exited']) raw.onNotification(method, (n) => notifications.push(method + ' ' + n.runId));
       const send = (method, params) => raw.send(method, params).then((result) => ({ ok: true, result }), (e) => ({ ok: false, code: e.code, message: e.message }));
       await send('session.hello', { protocolVersion: p.PROTOCOL_VERSION, client: { kind: 'cli', name: 'security-test', version: '1' } });
       // A started run is waited for to its end (its audit is complete then, whatever the load); otherwise a second shows whether anything comes.
       const settle = async (run) => {
         const until = Date.now() + (run ? 30000 : 1000);
         while (Date.now() < until && !(run && notifications.includes('elevation.exited ' + run.runId))) await new Promise((resolve) => setTimeout(resolve, 20));
       };
       const answer = await send('elevation.request', ${JSON.stringify(params)});
       await settle(answer.ok ? answer.result.run : undefined);
       const runAgain = answer.ok ? await send('elevation.run', { requestId: answer.result.requestId }) : null;
       if (runAgain?.ok) await settle(runAgain.result);
       console.log(JSON.stringify({ answer, runAgain, notifications }));
       raw.close();`,
    );

  const ask = (name: string, extra: Record<string, unknown> = {}) => ({ executable: tool(name), arguments: [name], cwd: '/', ...extra });

  beforeAll(async () => {
    chmodSync(tools, 0o755);
    for (const name of ['allowed', 'justified', 'denied']) {
      // Each its own content: policies match a program by its hash too.
      writeFileSync(tool(name), `#!/bin/sh\n# ${name}\nmkdir -p ${marks}\ntouch ${marks}/"$1"-$$\necho ran\n`, { mode: 0o755 });
    }
    await sandbox.start({
      apps: { 'col-allowed': tool('allowed'), 'col-justified': tool('justified'), 'col-denied': tool('denied') },
      policies: [
        appPolicy('allow-it', 'col-allowed', ['ALLOW']),
        appPolicy('justify-it', 'col-justified', ['JUSTIFY']),
        appPolicy('deny-it', 'col-denied', ['DENY']),
      ],
      openToOtherUsers: true,
    });
  });

  afterAll(async () => {
    await sandbox.dispose();
    rmSync(tools, { recursive: true, force: true });
  });

  const ran = (name: string) => (existsSync(marks) ? readdirSync(marks).filter((mark) => mark.startsWith(`${name}-`)) : []);

  it('on an ALLOW policy runs the program once, before answering, with elevation.run’s audit in the same order', async () => {
    const twoStep = await requestAsNobody(ask('allowed'));
    expect(twoStep.answer).toMatchObject({ ok: true, result: { state: 'allowed' } });
    expect(twoStep.answer.result?.run).toBeUndefined();
    expect(twoStep.runAgain).toMatchObject({ ok: true });

    const atOnce = await requestAsNobody(ask('allowed', { run: { term: 'xterm' } }));
    expect(atOnce.answer).toMatchObject({ ok: true, result: { state: 'allowed' } });
    const { runId, pid } = atOnce.answer.result!.run!;
    expect([typeof runId, typeof pid]).toEqual(['string', 'number']);
    expect(atOnce.notifications).toEqual([`elevation.output ${runId}`, `elevation.exited ${runId}`]);
    // Used up: the same request cannot be run a second time.
    expect(atOnce.runAgain).toMatchObject({ ok: false, code: AgentErrorCodes.Conflict, message: 'this request was already run; ask again' });
    expect(ran('allowed')).toHaveLength(2);
    expect(auditTypes(atOnce.answer.result!.requestId)).toEqual(auditTypes(twoStep.answer.result!.requestId));
    expect(auditTypes(atOnce.answer.result!.requestId)).toEqual(['elevation.decided', 'elevation.run.started', 'elevation.ran']);
  });

  it('on a DENY policy runs nothing, and answers and audits as without run', async () => {
    const without = await requestAsNobody(ask('denied'));
    const atOnce = await requestAsNobody(ask('denied', { run: {} }));
    for (const exchange of [without, atOnce]) {
      expect(exchange.answer).toMatchObject({ ok: true, result: { state: 'denied' } });
      expect(exchange.answer.result?.run).toBeUndefined();
      expect(exchange.notifications).toEqual([]);
    }
    expect(atOnce.runAgain).toEqual(without.runAgain);
    expect(auditTypes(atOnce.answer.result!.requestId)).toEqual(auditTypes(without.answer.result!.requestId));
    expect(ran('denied')).toEqual([]);
  });

  it('on a JUSTIFY policy does not run while the prompt waits, nor after it ends', async () => {
    const atOnce = await requestAsNobody(ask('justified', { run: {} }));
    expect(atOnce.answer).toMatchObject({ ok: true, result: { state: 'pending' } });
    expect(atOnce.answer.result?.run).toBeUndefined();
    expect(atOnce.notifications).toEqual([]);
    // nobody has no desktop to justify it in: it ends denied, and the elevation.run tried after it is refused.
    expect(atOnce.runAgain).toMatchObject({ ok: false, code: AgentErrorCodes.Conflict });
    expect(auditTypes(atOnce.answer.result!.requestId).filter((type) => type.startsWith('elevation.run') || type === 'elevation.ran')).toEqual([]);
    expect(ran('justified')).toEqual([]);
  });

  it('runs nothing of another user’s: a request id in the run part is not honoured', async () => {
    const root = await connectClient(sandbox.socket);
    try {
      const roots = await root.request(ElevationRequest, ask('allowed'));
      expect(roots.state).toBe('allowed');
      const before = ran('allowed').length;
      const atOnce = await requestAsNobody(ask('denied', { run: { requestId: roots.requestId, term: 'xterm' }, requestId: roots.requestId }));
      expect(atOnce.answer).toMatchObject({ ok: true, result: { state: 'denied' } });
      expect(atOnce.answer.result?.run).toBeUndefined();
      expect(atOnce.notifications).toEqual([]);
      expect(ran('allowed')).toHaveLength(before);
      expect(auditTypes(roots.requestId)).toEqual(['elevation.decided']);
    } finally {
      root.close();
    }
  });
});
