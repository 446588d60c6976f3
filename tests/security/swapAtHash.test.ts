import type { ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentErrorCodes } from '../../shared/protocol/src/common/index.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { loopAs, runAs, stop } from '../support/asUser.ts';

const ATTEMPTS = 60;

/**
 * Attack: the agent hashed the path, then spawn looked the path up again, so an approved file in the
 * requester's own folder, swapped for a symlink to another file while the agent opened it, ran the
 * other file as root; a failed check left the request usable, so the race could be retried. Now the
 * file is opened once, decided by its canonical path and hash, and that descriptor is what runs.
 */
describe('the file that runs is the file that was decided (played by nobody)', () => {
  const sandbox = policyAgentSandbox();
  const nobody = systemUser('nobody');
  const alice = systemUser('keeper-alice');
  const own = mkdtempSync(join(tmpdir(), 'kpt-swap-'));
  const tool = join(own, 'tool');
  const aliceDir = mkdtempSync(join(tmpdir(), 'kpt-alice-'));
  const openDir = mkdtempSync(join(tmpdir(), 'kpt-open-'));
  const rootDir = mkdtempSync(join(tmpdir(), 'kpt-root-'));
  const rootTool = join(rootDir, 'tool');
  let flipper: ChildProcess | undefined;

  beforeAll(async () => {
    writeFileSync(join(own, 'approved'), '#!/bin/sh\necho APPROVED\n', { mode: 0o755 });
    writeFileSync(join(own, 'other'), '#!/bin/sh\necho OTHER\n', { mode: 0o755 });
    for (const name of ['', 'approved', 'other']) chownSync(join(own, name), nobody.uid, nobody.gid);
    // Folders another non-root user can change: keeper-alice's own, and a world-writable one without the sticky bit.
    chownSync(aliceDir, alice.uid, alice.gid);
    chmodSync(aliceDir, 0o755);
    chmodSync(openDir, 0o777);
    mkdirSync(join(openDir, 'bin'));
    for (const dir of [aliceDir, join(openDir, 'bin')]) writeFileSync(join(dir, 'tool'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    chmodSync(rootDir, 0o755);
    writeFileSync(rootTool, '#!/bin/sh\necho decided\n', { mode: 0o755 });
    await sandbox.start({
      apps: { 'col-tool': tool, 'col-alice': join(aliceDir, 'tool'), 'col-open': join(openDir, 'bin/tool'), 'col-root': rootTool },
      policies: [
        appPolicy('allow-tool', 'col-tool', ['ALLOW']),
        appPolicy('allow-alice', 'col-alice', ['ALLOW']),
        appPolicy('allow-open', 'col-open', ['ALLOW']),
        appPolicy('allow-root-tool', 'col-root', ['ALLOW']),
      ],
      openToOtherUsers: true,
    });
    // nobody swaps its approved path between the approved file and a symlink to the other one.
    flipper = loopAs(
      'nobody',
      `const fs = require('node:fs');
       const dir = ${JSON.stringify(own)};
       for (;;) {
         try { fs.unlinkSync(dir + '/next'); } catch {}
         fs.linkSync(dir + '/approved', dir + '/next');
         fs.renameSync(dir + '/next', dir + '/tool');
         fs.symlinkSync('other', dir + '/next');
         fs.renameSync(dir + '/next', dir + '/tool');
       }`,
    );
  });

  afterAll(async () => {
    await stop(flipper);
    await sandbox.dispose();
    for (const dir of [own, aliceDir, openDir, rootDir]) rmSync(dir, { recursive: true, force: true });
  });

  it(`never runs the other file as root, in ${ATTEMPTS} request-and-run races`, async () => {
    const tally = await runAs<{ outputs: string[]; outcomes: Record<string, number> }>(
      'nobody',
      sandbox.socket,
      `const outputs = [];
       const outcomes = {};
       const count = (key) => (outcomes[key] = (outcomes[key] ?? 0) + 1);
       for (let i = 0; i < ${ATTEMPTS}; i++) {
         const c = await connect();
         const asked = await call(c, 'elevation.request', { executable: ${JSON.stringify(tool)}, arguments: [], cwd: '/' });
         if (!asked.ok) { count(asked.data?.reasonDetail?.code ?? String(asked.code)); c.close(); continue; }
         if (asked.result.state !== 'allowed') { count(asked.result.state + ':' + asked.result.application.path); c.close(); continue; }
         let out = '';
         const exited = new Promise((resolve) => {
           c.onNotification(p.ElevationOutput, (o) => { if (o.stream === 'stdout') out += Buffer.from(o.data, 'base64').toString(); });
           c.onNotification(p.ElevationExited, resolve);
         });
         const ran = await call(c, 'elevation.run', { requestId: asked.result.requestId });
         if (!ran.ok) {
           const again = await call(c, 'elevation.run', { requestId: asked.result.requestId });
           count('run-refused:' + (ran.data?.reasonDetail?.code ?? ran.code) + (again.ok ? ':retry-ran' : ''));
           c.close();
           continue;
         }
         await exited;
         outputs.push(out.trim());
         count('ran');
         c.close();
       }
       console.log(JSON.stringify({ outputs, outcomes }));`,
    );
    expect(tally.outputs.filter((line) => line !== 'APPROVED')).toEqual([]);
    // The race was really run: some attempts ran the approved file, others met the symlink.
    expect(tally.outcomes.ran).toBeGreaterThan(0);
    expect(Object.keys(tally.outcomes).some((key) => key !== 'ran')).toBe(true);
    expect(Object.keys(tally.outcomes).filter((key) => key.endsWith(':retry-ran'))).toEqual([]);
  });

  it('refuses a program in a folder that another non-root user can change', async () => {
    const answers = await runAs<{ code: number; data: { reasonDetail: unknown } }[]>(
      'nobody',
      sandbox.socket,
      `const c = await connect();
       const answers = [];
       for (const executable of ${JSON.stringify([join(aliceDir, 'tool'), join(openDir, 'bin/tool')])}) answers.push(await call(c, 'elevation.request', { executable, arguments: [], cwd: '/' }));
       console.log(JSON.stringify(answers));
       c.close();`,
    );
    expect(answers).toEqual([
      expect.objectContaining({
        code: AgentErrorCodes.Unauthorized,
        data: { reasonDetail: { code: 'program-writable-by-others', values: { path: join(aliceDir, 'tool'), folder: aliceDir } } },
      }),
      expect.objectContaining({
        code: AgentErrorCodes.Unauthorized,
        data: { reasonDetail: { code: 'program-writable-by-others', values: { path: join(openDir, 'bin/tool'), folder: openDir } } },
      }),
    ]);
  });

  it('ends the request when the decided file changed before it ran: the race cannot be retried', async () => {
    const asked = await runAs<{ ok: true; result: { requestId: string; state: string } }>(
      'nobody',
      sandbox.socket,
      `const c = await connect();
       console.log(JSON.stringify(await call(c, 'elevation.request', { executable: ${JSON.stringify(rootTool)}, arguments: [], cwd: '/' })));
       c.close();`,
    );
    expect(asked.result.state).toBe('allowed');
    // The file's owner (root) rewrites it in place after the decision: same inode, other content.
    copyFileSync('/usr/bin/false', rootTool);
    const runs = await runAs<unknown[]>(
      'nobody',
      sandbox.socket,
      `const c = await connect();
       const params = { requestId: ${JSON.stringify(asked.result.requestId)} };
       console.log(JSON.stringify([await call(c, 'elevation.run', params), await call(c, 'elevation.run', params), await call(c, 'elevation.status', params)]));
       c.close();`,
    );
    const changed = { reasonDetail: { code: 'program-changed', values: { path: rootTool } } };
    const [first, second, status] = runs;
    expect(first).toEqual({ ok: false, code: AgentErrorCodes.Conflict, message: `${rootTool} changed since the decision; ask again`, data: changed });
    expect(second).toMatchObject({ ok: false, code: AgentErrorCodes.Conflict });
    expect(status).toMatchObject({ ok: true, result: { state: 'denied', reasonDetail: changed.reasonDetail } });
  });
});
