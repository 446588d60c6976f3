import { chownSync, closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusRequest, ElevationRequest } from '../../shared/protocol/src/common/index.ts';
import { connectClient } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { loopAs, runAs, stop } from '../support/asUser.ts';

/** Fails when `promise` has not settled after `ms`: the agent must answer, not merely eventually. */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} got no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Attack: a path that turns from a regular file into a FIFO between the agent's stat and its open
 * parked a libuv pool thread in open(2) forever; four of them and the agent stopped deciding for
 * every user. Checks now run on threads of their own, and the open never blocks (O_NONBLOCK).
 */
describe('FIFO-turning paths cannot stop the agent deciding for others (played by nobody)', () => {
  const sandbox = policyAgentSandbox();
  const nobody = systemUser('nobody');
  const own = mkdtempSync(join(tmpdir(), 'kpt-fifo-'));
  const tool = join(own, 'tool');
  let flipper: ChildProcess | undefined;

  beforeAll(async () => {
    chownSync(own, nobody.uid, nobody.gid);
    await sandbox.start({
      apps: { 'col-id': '/usr/bin/id', 'col-tool': tool },
      policies: [appPolicy('allow-id', 'col-id', ['ALLOW']), appPolicy('allow-tool', 'col-tool', ['ALLOW'])],
      openToOtherUsers: true,
    });
    // nobody keeps swapping its own path between a regular file and a FIFO (both hard links, renamed over it).
    flipper = loopAs(
      'nobody',
      `const fs = require('node:fs');
       const dir = ${JSON.stringify(own)};
       fs.writeFileSync(dir + '/file', '#!/bin/sh\\n', { mode: 0o755 });
       require('node:child_process').execFileSync('mkfifo', [dir + '/fifo']);
       for (;;) {
         for (const kind of ['file', 'fifo']) {
           try { fs.unlinkSync(dir + '/next'); } catch {}
           fs.linkSync(dir + '/' + kind, dir + '/next');
           fs.renameSync(dir + '/next', dir + '/tool');
         }
       }`,
    );
  });

  afterAll(async () => {
    await stop(flipper);
    // Should a regression leave agent threads blocked opening the FIFO, a writer releases them so the agent can stop.
    try {
      closeSync(openSync(join(own, 'fifo'), constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // No reader is waiting: nothing is blocked.
    }
    await sandbox.dispose();
    rmSync(own, { recursive: true, force: true });
  });

  it('root still gets agent.status and a decision after nobody fires requests at a FIFO-turning path', async () => {
    const tally = await runAs<Record<string, number>>(
      'nobody',
      sandbox.socket,
      `const tally = {};
       const count = (key) => (tally[key] = (tally[key] ?? 0) + 1);
       const params = { executable: ${JSON.stringify(tool)}, arguments: [], cwd: '/' };
       // Four connections in parallel, one call at a time each: the pool's four threads, once.
       await Promise.all([0, 1, 2, 3].map(async () => {
         const c = await connect();
         for (let i = 0; i < 10; i++) {
           const answer = await Promise.race([
             call(c, i % 2 ? 'policy.explain' : 'elevation.request', params),
             new Promise((resolve) => setTimeout(() => resolve(null), 2000)),
           ]);
           count(answer === null ? 'unanswered' : answer.ok ? 'answered' : answer.data?.reasonDetail?.code ?? String(answer.code));
         }
       }));
       console.log(JSON.stringify(tally));
       process.exit(0);`,
    );
    const root = await connectClient(sandbox.socket);
    try {
      await within(5_000, root.request(AgentStatusRequest, undefined), 'agent.status');
      const decided = await within(5_000, root.request(ElevationRequest, { executable: '/usr/bin/id', arguments: [], cwd: '/' }), 'elevation.request');
      expect(decided.state).toBe('allowed');
    } finally {
      root.close();
    }
    // The race was really run: some of nobody's calls met the FIFO, and every call was answered.
    expect(tally['program-not-regular']).toBeGreaterThan(0);
    expect(tally.unanswered).toBeUndefined();
  }, 60_000);
});
