import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { ELEVATE, RUNAS, runCli } from '../support/runAsCli.ts';

const hint = (user: string) =>
  `Keeper asks for this in the Keeper Desktop suite on ${user}'s own desktop session on this machine, and no verified desktop session of ${user} is connected to the agent ` +
  `(a remote shell, another user's desktop or a closed suite does not count). Log in to this machine's desktop as ${user} ` +
  `(the suite starts with the session; if it was closed, start Keeper Desktop from the applications menu), then run the command again.`;

/**
 * A prompt that finds no desktop session tells the requester on the command line exactly why: whose
 * session was missing and what to do (docs/policy-semantics.md, 7). keeper-alice has no desktop session
 * here (only root's is in the sandbox's logind state), so her prompts cannot be shown.
 */
describe('keeper-elevate and keeper-runas say why a prompt could not be shown', () => {
  const sandbox = policyAgentSandbox();

  beforeAll(async () => {
    await sandbox.start({
      apps: { 'col-env': '/usr/bin/env', 'col-id': '/usr/bin/id' },
      policies: [appPolicy('justify-env', 'col-env', ['JUSTIFY']), appPolicy('operator-id', 'col-id', ['OPERATORAPPROVAL'])],
      openToOtherUsers: true,
    });
  });

  afterAll(() => sandbox.dispose());

  it('keeper-elevate: the justification prompt, for a user with no desktop session', async () => {
    const result = await runCli(ELEVATE, sandbox.socket, ['env'], { user: 'keeper-alice' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'keeper-elevate: Waiting for your justification in the Keeper window…\n' +
        'keeper-elevate: denied: No verified desktop session of keeper-alice is connected to show the justification prompt.\n' +
        `keeper-elevate: ${hint('keeper-alice')}\n`,
    );
  });

  it('keeper-runas: end-user approval, named for the requester (not the target user)', async () => {
    const result = await runCli(RUNAS, sandbox.socket, ['--user', 'keeper-bob', 'id'], { user: 'keeper-alice' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'keeper-runas: denied: No verified desktop session of keeper-alice is connected to show the approval prompt. The fail-mode denies the action.\n',
    );
    expect(result.stderr).toContain(`keeper-runas: ${hint('keeper-alice')}\n`);
    expect(result.stderr).not.toContain('keeper-bob');
  });

  it('a denial for any other reason gets no such hint', async () => {
    const result = await runCli(ELEVATE, sandbox.socket, ['true'], { user: 'keeper-alice' });
    expect(result).toMatchObject({ code: 1, stderr: 'keeper-elevate: denied: No policy allows this action.\n' });
  });
});
