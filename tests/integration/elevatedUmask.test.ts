import { realpathSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { ELEVATE, runCli } from '../support/runAsCli.ts';

/**
 * The agent runs under umask 077 (its files are its own), but what it starts must not inherit that:
 * an elevated `apt-get install` would leave files nobody but root can read. Programs get sudo's 022.
 */
describe('the umask of programs the agent starts', () => {
  const sandbox = policyAgentSandbox();

  beforeAll(async () => {
    await sandbox.start({ apps: { 'col-sh': realpathSync('/usr/bin/sh') }, policies: [appPolicy('allow-sh', 'col-sh', ['ALLOW'])], openToOtherUsers: true });
  });

  afterAll(() => sandbox.dispose());

  it('is 0022 for an elevated program, as root and as another user', async () => {
    const asRoot = await runCli(ELEVATE, sandbox.socket, ['/usr/bin/sh', '-c', 'umask']);
    expect(asRoot.code, asRoot.stderr).toBe(0);
    expect(asRoot.stdout.trim()).toBe('0022');
    const asNobody = await runCli(ELEVATE, sandbox.socket, ['/usr/bin/sh', '-c', 'umask'], { user: 'nobody' });
    expect(asNobody.code, asNobody.stderr).toBe(0);
    expect(asNobody.stdout.trim()).toBe('0022');
  });
});
