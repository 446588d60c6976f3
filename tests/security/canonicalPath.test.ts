import { chownSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { policy } from '../support/policyFixtures.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { runAs } from '../support/asUser.ts';

/**
 * Attack: DENY matched the path as typed, so spellings of a denied shell (doubled slashes, `/./`,
 * /proc/self/root, a symlink of one's own) slipped past "deny shells" under an allow-all policy.
 * Every spelling must be decided, shown and audited as the file it resolves to.
 */
describe('a denied program is denied under every spelling of its path (played by nobody)', () => {
  const sandbox = policyAgentSandbox();
  const nobody = systemUser('nobody');
  const own = mkdtempSync(join(tmpdir(), 'kpt-own-'));
  const link = join(own, 'not-a-shell');

  beforeAll(async () => {
    chownSync(own, nobody.uid, nobody.gid);
    symlinkSync('/usr/bin/bash', link);
    await sandbox.start({
      files: {
        'collections.json': { Collections: [{ CollectionId: 'col-shells', Type: 'Application', Members: [{ Path: '/usr/bin/bash' }] }] },
        'policies.json': [policy('deny-shells', ['DENY'], { ApplicationCheck: ['col-shells'] }), policy('allow-all', ['ALLOW'])],
      },
      openToOtherUsers: true,
    });
  });

  afterAll(async () => {
    await sandbox.dispose();
    rmSync(own, { recursive: true, force: true });
  });

  it.each(['/usr//bin/bash', '/./bin/bash', '/proc/self/root/usr/bin/bash', link])('%s is decided as /usr/bin/bash and denied', async (spelling) => {
    const answers = await runAs<
      { ok: boolean; result: { state: string; application: { path: string; commandLine: string }; decision: { deciding: string[] } } }[]
    >(
      'nobody',
      sandbox.socket,
      `const c = await connect();
       const params = { executable: ${JSON.stringify(spelling)}, arguments: ['-c', 'id'], cwd: '/' };
       const answers = [await call(c, 'elevation.request', params), await call(c, 'policy.explain', params)];
       console.log(JSON.stringify(answers));
       c.close();`,
    );
    const [request, explanation] = answers;
    expect(request).toMatchObject({
      ok: true,
      result: { state: 'denied', application: { path: '/usr/bin/bash', commandLine: '/usr/bin/bash -c id' }, decision: { deciding: ['deny-shells'] } },
    });
    expect(explanation).toMatchObject({
      ok: true,
      result: { decision: { outcome: 'deny', deciding: ['deny-shells'] }, application: { path: '/usr/bin/bash' } },
    });
  });
});
