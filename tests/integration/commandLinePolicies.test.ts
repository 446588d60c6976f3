import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, policy } from '../support/policyFixtures.ts';
import { ELEVATE, runCli } from '../support/runAsCli.ts';
import { ATTACKER } from '../support/testUsers.ts';

const commandLine = (id: string, controls: string[], patterns: string[], extra: Record<string, unknown> = {}) =>
  policy(id, controls, { PolicyType: 'CommandLine', Extension: { AllowCommands: patterns }, ...extra });

/**
 * Command Line policies decide keeper-elevate by the whole command line, together with the
 * Privilege Elevation policies (docs/policy-semantics.md, 5.3). Real agent, real keeper-elevate,
 * run as `nobody`.
 */
describe('Command Line policies decide keeper-elevate by its command line', () => {
  const sandbox = policyAgentSandbox();

  beforeAll(async () => {
    await sandbox.start({
      apps: { 'col-whoami': '/usr/bin/whoami' },
      policies: [
        commandLine('cl-id-u', ['ALLOW'], ['/usr/bin/id -u']),
        // A Command Line DENY inside a specific Privilege Elevation ALLOW.
        appPolicy('pe-whoami', 'col-whoami', ['ALLOW']),
        commandLine('cl-no-whoami-help', ['DENY'], ['/usr/bin/whoami --*'], { NotificationMessage: 'No options for whoami.' }),
      ],
      openToOtherUsers: true,
    });
  });

  afterAll(() => sandbox.dispose());

  it('CL-I1: runs a command line an AllowCommands pattern of an ALLOW policy matches', async () => {
    expect(await runCli(ELEVATE, sandbox.socket, ['id', '-u'], { user: ATTACKER })).toMatchObject({ code: 0, stdout: '0\n' });
  });

  it('CL-I2: denies the same program with a command line no pattern matches', async () => {
    const result = await runCli(ELEVATE, sandbox.socket, ['id', '-un'], { user: ATTACKER });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('denied: No policy allows this action.');
  });

  it('CL-I3: a Command Line DENY wins over a Privilege Elevation ALLOW of the program', async () => {
    expect(await runCli(ELEVATE, sandbox.socket, ['whoami'], { user: ATTACKER })).toMatchObject({ code: 0, stdout: 'root\n' });
    const result = await runCli(ELEVATE, sandbox.socket, ['whoami', '--version'], { user: ATTACKER });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('denied: No options for whoami.');
  });
});
