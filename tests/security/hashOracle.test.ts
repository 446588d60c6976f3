import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentErrorCodes, AuditQuery } from '../../shared/protocol/src/common/index.ts';
import { connectClient } from '../support/agentProcess.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { policy } from '../support/policyFixtures.ts';
import { runAs, type Refusal } from '../support/asUser.ts';

type Answer = { ok: true; result: unknown } | ({ ok: false } & Refusal);

/**
 * Attack: the root agent hashed any path for anyone, so `policy.explain` on a root-only file gave
 * its SHA-256 (a 6-digit PIN in it fell to brute force), and the answers told whether a file exists
 * in a folder the caller cannot enter. The agent must read with the caller's rights: "not readable
 * by you", the same for a file that exists and one that does not.
 */
describe('the agent is no hash or existence oracle for files the caller cannot read (played by nobody)', () => {
  const sandbox = policyAgentSandbox();
  const files = mkdtempSync(join(tmpdir(), 'kpt-secrets-'));
  const pin = join(files, 'pin.txt');
  const closed = join(files, 'closed');

  beforeAll(async () => {
    chmodSync(files, 0o755);
    writeFileSync(pin, '493817\n', { mode: 0o600 });
    mkdirSync(closed, { mode: 0o700 });
    writeFileSync(join(closed, 'tool'), '#!/bin/sh\necho hidden\n', { mode: 0o755 });
    await sandbox.start({ files: { 'collections.json': { Collections: [] }, 'policies.json': [policy('allow-all', ['ALLOW'])] }, openToOtherUsers: true });
  });

  afterAll(async () => {
    await sandbox.dispose();
    rmSync(files, { recursive: true, force: true });
  });

  const ask = (executable: string) =>
    runAs<Answer[]>(
      'nobody',
      sandbox.socket,
      `const c = await connect();
       const params = { executable: ${JSON.stringify(executable)}, arguments: [], cwd: '/' };
       console.log(JSON.stringify([await call(c, 'policy.explain', params), await call(c, 'elevation.request', params)]));
       c.close();`,
    );

  const notReadable = (path: string) => ({
    ok: false,
    code: AgentErrorCodes.Unauthorized,
    message: `${path} is not readable by you`,
    data: { reasonDetail: { code: 'program-not-readable', values: { path } } },
  });

  it('answers "not readable by you" for a root-only 0600 file, with no hash anywhere', async () => {
    const answers = await ask(pin);
    expect(answers).toEqual([notReadable(pin), notReadable(pin)]);
    expect(JSON.stringify(answers)).not.toMatch(/[0-9a-f]{64}/);
    const root = await connectClient(sandbox.socket);
    try {
      const { events } = await root.request(AuditQuery, { types: ['program.refused'] });
      expect(events.filter((e) => e.data.executable === pin).map((e) => [e.actorUid, e.data.purpose, e.data.reasonCode])).toEqual([
        [systemUser('nobody').uid, 'policy.explain', 'program-not-readable'],
        [systemUser('nobody').uid, 'elevation.request', 'program-not-readable'],
      ]);
    } finally {
      root.close();
    }
  });

  it('answers the same for a file in a 0700 folder whether or not it exists', async () => {
    const existing = join(closed, 'tool');
    const missing = join(closed, 'no-such-tool');
    expect(await ask(existing)).toEqual([notReadable(existing), notReadable(existing)]);
    expect(await ask(missing)).toEqual([notReadable(missing), notReadable(missing)]);
  });

  it('still answers for a file that nobody can read', async () => {
    const [explained] = await ask('/usr/bin/id');
    expect(explained).toMatchObject({ ok: true, result: { application: { path: '/usr/bin/id' } } });
    expect((explained as { result: { application: { sha256: string } } }).result.application.sha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
