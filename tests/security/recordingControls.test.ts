import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, policy } from '../support/policyFixtures.ts';
import { ATTACKER } from '../support/testUsers.ts';
import { requestElevationAs } from '../support/asUser.ts';

/**
 * Attack: an administrator adds policies that only record ("audit every elevation", "record what
 * runs /usr/bin/id"), meaning to watch, not to grant. The engine read a tier with only AUDIT or
 * RECORD as an allow, so any local account got root for whatever such a policy matched. AUDIT and
 * RECORD only record: the decision stays the default deny. Played by `nobody` against the real agent.
 */
describe('recording-only policies (AUDIT, RECORD) never grant an elevation', () => {
  const sandbox = policyAgentSandbox();

  beforeAll(async () => {
    await sandbox.start({
      apps: { 'col-id': '/usr/bin/id' },
      policies: [policy('audit-everything', ['AUDIT']), appPolicy('record-id', 'col-id', ['RECORD'])],
      openToOtherUsers: true,
    });
  });

  afterAll(() => sandbox.dispose());

  it('a program only an AUDIT policy matches is denied by default', async () => {
    const answer = await requestElevationAs(ATTACKER, sandbox.socket, '/usr/bin/true');
    expect(answer).toMatchObject({
      ok: true,
      result: { state: 'denied', decision: { outcome: 'deny', deciding: [], reasonDetail: { code: 'default-deny' } } },
    });
  });

  it('a program a specific RECORD policy matches is denied by default too', async () => {
    const answer = await requestElevationAs(ATTACKER, sandbox.socket, '/usr/bin/id');
    expect(answer).toMatchObject({
      ok: true,
      result: { state: 'denied', decision: { outcome: 'deny', deciding: [], reasonDetail: { code: 'default-deny' } } },
    });
  });
});
