import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_DIR } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { policy } from '../support/policyFixtures.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { ATTACKER } from '../support/testUsers.ts';
import { requestElevationAs } from '../support/asUser.ts';

/** The group the shipped policies take requests from (README, "Default policies"). */
const PEOPLE_GROUP = 'keeper-users';
const PERSON = 'keeper-alice';

/** The shipped policies folder as files, so the agent here runs exactly what ships. */
function shippedPolicies(): Record<string, unknown> {
  const dir = join(PROJECT_DIR, 'resources/policies');
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown]),
  );
}

/** As root (the tests run as root): the person account belongs to the people group, as an administrator sets it up. */
function joinPeopleGroup(user: string): void {
  for (const [command, args] of [
    ['groupadd', ['-f', PEOPLE_GROUP]],
    ['gpasswd', ['-a', user, PEOPLE_GROUP]],
  ] as const) {
    const made = spawnSync(command, args, { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${made.stderr}`);
  }
}

/**
 * Attack 1: "deny shells" named paths, so a copy of bash in a folder of one's own was another
 * program: it slipped past the DENY into whatever else matched (here a broader allow for the
 * attacker's folder). Attack 2: the shipped package-manager policy let every local account run
 * apt-get with any arguments after a justification, and `-o APT::Update::Pre-Invoke::=…` runs
 * anything as root. Played by real OS users against the real agent on the shipped policies.
 */
describe('the shipped policies hold against a copied shell and package-manager hooks', () => {
  const sandbox = policyAgentSandbox();
  const attacker = systemUser(ATTACKER);
  const own = mkdtempSync(join(tmpdir(), 'kpt-copies-'));
  const copy = join(own, 'not-bash');
  const harmless = join(own, 'my-true');

  beforeAll(async () => {
    joinPeopleGroup(PERSON);
    copyFileSync('/usr/bin/bash', copy);
    copyFileSync('/usr/bin/true', harmless);
    chmodSync(own, 0o755);
    for (const path of [own, copy, harmless]) chownSync(path, attacker.uid, attacker.gid);
    await sandbox.start({
      files: {
        ...shippedPolicies(),
        // A broader allow an administrator might add: everything in the attacker's own folder.
        'zz-own-tools.json': { Collections: [{ CollectionId: 'col-own-tools', Type: 'Application', Members: [{ Path: `${own}/*` }] }] },
        'zz-own-tools-policy.json': policy('allow-own-tools', ['ALLOW'], { ApplicationCheck: ['col-own-tools'] }),
      },
      openToOtherUsers: true,
    });
  });

  afterAll(async () => {
    await sandbox.dispose();
    rmSync(own, { recursive: true, force: true });
  });

  it('a copy of /usr/bin/bash in a folder of the attacker is denied by its hash, even under a broader allow', async () => {
    const shell = await requestElevationAs(ATTACKER, sandbox.socket, copy, ['-c', 'id']);
    expect(shell).toMatchObject({ ok: true, result: { state: 'denied', decision: { outcome: 'deny', deciding: ['pol-default-deny-shells'] } } });
    // The broader allow itself works: only the copy of a shell is caught.
    expect(await requestElevationAs(ATTACKER, sandbox.socket, harmless, [])).toMatchObject({
      ok: true,
      result: { state: 'allowed', decision: { deciding: ['allow-own-tools'] } },
    });
  });

  it.each([
    [['-o', 'APT::Update::Pre-Invoke::=id', 'update']],
    [['-oAPT::Update::Pre-Invoke::=id', 'update']],
    [['--option=APT::Update::Pre-Invoke::=id', 'update']],
    [['--option', 'APT::Update::Pre-Invoke::=id', 'update']],
    [['update', '-oAPT::Update::Pre-Invoke::=id']],
    [['install', 'htop', '-o', 'DPkg::Pre-Invoke::=id']],
    [['install', '--', '-oDPkg::Pre-Invoke::=id']],
    [['-c', '/tmp/apt.conf', 'update']],
    [['install', './htop.deb']],
  ])('apt-get %j never gets the package-manager justification: it goes to an approver', async (args) => {
    const answer = await requestElevationAs(PERSON, sandbox.socket, '/usr/bin/apt-get', args);
    expect(answer).toMatchObject({ ok: true, result: { decision: { outcome: 'controls', controls: ['APPROVAL'], deciding: ['pol-default-approval'] } } });
  });

  it('apt-get install htop by a person of keeper-users asks only for a justification', async () => {
    const answer = await requestElevationAs(PERSON, sandbox.socket, '/usr/bin/apt-get', ['install', 'htop']);
    expect(answer).toMatchObject({
      ok: true,
      result: { decision: { outcome: 'controls', controls: ['JUSTIFY'], deciding: ['pol-default-package-managers'] } },
    });
  });

  it('an account outside keeper-users (nobody) gets no package manager and no approval path: the default deny', async () => {
    const answer = await requestElevationAs(ATTACKER, sandbox.socket, '/usr/bin/apt-get', ['install', 'htop']);
    expect(answer).toMatchObject({
      ok: true,
      result: { state: 'denied', decision: { outcome: 'deny', deciding: [], reasonDetail: { code: 'default-deny' } } },
    });
  });
});
