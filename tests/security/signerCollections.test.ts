import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentInMountNamespace } from '../support/agentInMountNamespace.ts';
import { makeSandbox, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { requestElevationAs, runAs } from '../support/asUser.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { policy, writePolicyDir } from '../support/policyFixtures.ts';
import { ATTACKER } from '../support/testUsers.ts';

/**
 * Signer collections on Linux (docs/policy-semantics.md, 3.2): `{ "Signer": "coreutils" }` matches the
 * files dpkg installed for coreutils, while they hold the bytes dpkg recorded. Attack, played by
 * `nobody` against the real agent and this machine's real dpkg database: take a program of the
 * signed package (an exact copy, or a copy with a payload appended) into a folder of one's own and
 * ask for it under the allow meant for the package. Matching by file name or by content alone would
 * let one of them through; only the package's own path with its recorded digest matches.
 */
describe('Signer collections match the dpkg package that installed exactly these bytes', () => {
  const sandbox = policyAgentSandbox();
  let folder = '';

  beforeAll(async () => {
    await sandbox.start({
      files: {
        'collections.json': {
          Collections: [{ CollectionId: 'col-coreutils', Name: 'coreutils (Debian)', Type: 'Application', Members: [{ Signer: 'coreutils' }] }],
        },
        'policies.json': [policy('pol-coreutils', ['ALLOW'], { ApplicationCheck: ['col-coreutils'] })],
      },
      openToOtherUsers: true,
    });
    const made = await runAs<{ folder: string }>(
      ATTACKER,
      sandbox.socket,
      `const fs = await import('node:fs');
       const folder = fs.mkdtempSync('/tmp/keeper-signer-attack-');
       fs.chmodSync(folder, 0o755);
       fs.copyFileSync('/usr/bin/true', folder + '/true');
       fs.writeFileSync(folder + '/true-payload', Buffer.concat([fs.readFileSync('/usr/bin/true'), Buffer.from('payload')]));
       fs.writeFileSync(folder + '/ls', '#!/bin/sh\\nexec /bin/sh\\n');
       for (const name of ['true', 'true-payload', 'ls']) fs.chmodSync(folder + '/' + name, 0o755);
       console.log(JSON.stringify({ folder }));`,
    );
    folder = made.folder;
  }, 60_000);

  afterAll(async () => {
    if (folder) rmSync(folder, { recursive: true, force: true });
    await sandbox.dispose();
  });

  it('allows the package file itself, for a person and for nobody alike', async () => {
    for (const user of ['keeper-alice', ATTACKER]) {
      expect(await requestElevationAs(user, sandbox.socket, '/usr/bin/true')).toMatchObject({
        ok: true,
        result: { state: 'allowed', decision: { deciding: ['pol-coreutils'] } },
      });
    }
  });

  it('also under a path through a symlinked folder (/bin is usr/bin): the request path is canonical', async () => {
    expect(await requestElevationAs(ATTACKER, sandbox.socket, '/bin/true')).toMatchObject({ ok: true, result: { state: 'allowed' } });
  });

  it('denies an exact copy in a folder of the attacker: the package owns the path, not the bytes', async () => {
    expect(await requestElevationAs(ATTACKER, sandbox.socket, `${folder}/true`)).toMatchObject({
      ok: true,
      result: { state: 'denied', decision: { outcome: 'deny', deciding: [] } },
    });
  });

  it('denies a copy with a payload, and a script named like a coreutils program', async () => {
    expect(await requestElevationAs(ATTACKER, sandbox.socket, `${folder}/true-payload`)).toMatchObject({ ok: true, result: { state: 'denied' } });
    expect(await requestElevationAs(ATTACKER, sandbox.socket, `${folder}/ls`)).toMatchObject({ ok: true, result: { state: 'denied' } });
  });
});

/**
 * The other half: other bytes at the package's own path. Nobody but root can write /usr/bin, so the
 * real agent runs in a private mount namespace of its own (unshare) in which a changed copy of
 * /usr/bin/true is bind-mounted over the real one, as a root who edited the file would leave it.
 * Nothing outside that namespace sees the change.
 */
describe('Signer collections: a package path holding bytes dpkg did not record', () => {
  const sandbox = makeSandbox();
  const work = mkdtempSync(join(tmpdir(), 'keeper-signer-tampered-'));
  let agent: AgentProcess | undefined;

  beforeAll(async () => {
    chmodSync(sandbox.dir, 0o755);
    chmodSync(work, 0o755);
    const tampered = join(work, 'true');
    writeFileSync(tampered, Buffer.concat([readFileSync('/usr/bin/true'), Buffer.from('payload')]), { mode: 0o755 });
    const policies = join(sandbox.dir, 'policies');
    mkdirSync(policies);
    writePolicyDir(policies, {}, [policy('pol-coreutils', ['ALLOW'], { ApplicationCheck: ['col-coreutils'] })]);
    writeFileSync(
      join(policies, 'collections.json'),
      JSON.stringify({ Collections: [{ CollectionId: 'col-coreutils', Type: 'Application', Members: [{ Signer: 'coreutils' }] }] }),
    );
    const wrapper = agentInMountNamespace(work, tampered, '/usr/bin/true');
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, agentBin: wrapper, extra: ['--policies', policies] });
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    sandbox.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('denies /usr/bin/true when its bytes are not the ones dpkg recorded for coreutils', async () => {
    expect(await requestElevationAs(ATTACKER, sandbox.socket, '/usr/bin/true')).toMatchObject({
      ok: true,
      result: { state: 'denied', decision: { outcome: 'deny', deciding: [] } },
    });
  });

  it('still allows another coreutils program whose bytes are untouched (the same agent, the same policy)', async () => {
    expect(await requestElevationAs(ATTACKER, sandbox.socket, '/usr/bin/false')).toMatchObject({
      ok: true,
      result: { state: 'allowed', decision: { deciding: ['pol-coreutils'] } },
    });
  });
});
