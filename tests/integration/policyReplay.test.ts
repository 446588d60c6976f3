import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAgent } from '../support/agentProcess.ts';
import { requestElevationAs } from '../support/asUser.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { policy } from '../support/policyFixtures.ts';

const apps = (paths: Record<string, string>) =>
  Object.entries(paths).map(([id, path]) => ({ CollectionId: id, Type: 'Application', Members: [{ Path: path }] }));

/** The policies the agent ran with: true and echo for everyone, id denied. */
const RECORDED = {
  'collections.json': { Collections: apps({ 'col-true': '/usr/bin/true', 'col-echo': '/usr/bin/echo', 'col-id': '/usr/bin/id' }) },
  'policies.json': [
    policy('pol-true', ['ALLOW'], { ApplicationCheck: ['col-true'] }),
    policy('pol-echo', ['ALLOW'], { ApplicationCheck: ['col-echo'] }),
    policy('pol-id', ['DENY'], { ApplicationCheck: ['col-id'] }),
  ],
};

/**
 * The proposed change, each part needing a fact the audit only now records: true only for the
 * group keeper-alice (the requester's groups), echo only with the argument `hello` (the argument
 * list), id asks for MFA and a justification instead of being denied.
 */
const PROPOSED = {
  'collections.json': {
    Collections: [...RECORDED['collections.json'].Collections, { CollectionId: 'col-alice-group', Type: 'User', Members: [{ Group: 'keeper-alice' }] }],
  },
  'policies.json': [
    policy('pol-true', ['ALLOW'], { ApplicationCheck: ['col-true'], UserCheck: ['col-alice-group'] }),
    policy('pol-echo', ['ALLOW'], { ApplicationCheck: ['col-echo'], Extension: { AllowArguments: [['hello']] } }),
    policy('pol-id', ['JUSTIFY', 'MFA'], { ApplicationCheck: ['col-id'] }),
  ],
};

function writeFolder(dir: string, files: Record<string, unknown>): string {
  mkdirSync(dir, { mode: 0o755 });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(content));
  return dir;
}

interface JsonReport {
  replayed: number;
  changed: number;
  unchanged: number;
  partial: number;
  chain: { intact: boolean };
  groups: {
    now: { outcome: string; controls: string[] };
    requests: number;
    entries: { user: string; program: string; was: { outcome: string; controls: string[] | null }; count: number; missing: string[] }[];
  }[];
}

describe('keeper-agent policy replay: recorded requests of real users against a proposed policy folder', () => {
  const sandbox = policyAgentSandbox();
  const proposed = join(sandbox.dir, 'proposed');
  const replay = (...args: string[]) => runAgent(['policy', 'replay', '--data-dir', sandbox.dataDir, ...args]);

  beforeAll(async () => {
    await sandbox.start({ files: RECORDED, openToOtherUsers: true });
    const asked: [string, string, string[], string][] = [
      ['keeper-alice', '/usr/bin/true', [], 'allowed'],
      ['keeper-alice', '/usr/bin/true', [], 'allowed'],
      ['keeper-bob', '/usr/bin/true', [], 'allowed'],
      ['keeper-bob', '/usr/bin/echo', ['hello'], 'allowed'],
      ['keeper-bob', '/usr/bin/echo', ['bye'], 'allowed'],
      ['keeper-alice', '/usr/bin/id', [], 'denied'],
    ];
    for (const [user, executable, args, state] of asked) {
      expect(await requestElevationAs(user, sandbox.socket, executable, args)).toMatchObject({ ok: true, result: { state } });
    }
    expect(await sandbox.agent.stop()).toBe(0);
    writeFolder(proposed, PROPOSED);
  }, 90_000);

  afterAll(() => sandbox.dispose());

  it('replays against the policies it ran with: nothing would change (exit 0)', async () => {
    const same = writeFolder(join(sandbox.dir, 'same'), RECORDED);
    const result = await replay('--since', '1h', '--policies', same);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain(`6 requests since `);
    expect(result.stdout).toContain(`replayed against ${same}: 0 would change, 6 would not\n`);
    expect(result.code).toBe(0);
  });

  it('prints what would newly be denied or asked, for whom, against the proposed folder (exit 1)', async () => {
    const result = await replay('--since', '7d', '--policies', proposed);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`replayed against ${proposed}: 3 would change, 3 would not\n`);
    expect(result.stdout).not.toContain('PARTIAL');
    // bob is not in keeper-alice's group and `echo bye` is not `echo hello`: both newly denied.
    expect(result.stdout).toContain('newly denied: 2 requests\n  keeper-bob  /usr/bin/echo  1x  was allowed\n  keeper-bob  /usr/bin/true  1x  was allowed\n');
    expect(result.stdout).toContain('newly asked for MFA, JUSTIFY: 1 request\n  keeper-alice  /usr/bin/id  1x  was denied\n');
    expect(result.stdout).not.toContain('keeper-alice  /usr/bin/true');
  });

  it('gives the same report as JSON', async () => {
    const result = await replay('--since', '7d', '--policies', proposed, '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report).toMatchObject({ replayed: 6, changed: 3, unchanged: 3, partial: 0, chain: { intact: true } });
    expect(report.groups).toEqual([
      {
        now: { outcome: 'deny', controls: [] },
        requests: 2,
        entries: [
          expect.objectContaining({ user: 'keeper-bob', program: '/usr/bin/echo', was: { outcome: 'allow', controls: [] }, count: 1, missing: [] }),
          expect.objectContaining({ user: 'keeper-bob', program: '/usr/bin/true', was: { outcome: 'allow', controls: [] }, count: 1, missing: [] }),
        ],
      },
      {
        now: { outcome: 'controls', controls: ['MFA', 'JUSTIFY'] },
        requests: 1,
        entries: [expect.objectContaining({ user: 'keeper-alice', program: '/usr/bin/id', was: { outcome: 'deny', controls: [] }, count: 1 })],
      },
    ]);
  });

  it('refuses a bad duration, and missing options, with the usage (exit 2)', async () => {
    // Each form is a unit test (policy/replay.test.ts); here the real binary's message and exit code.
    for (const since of ['seven days', '0d']) {
      const result = await replay('--since', since, '--policies', proposed);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`keeper-agent policy replay: --since ${JSON.stringify(since)} is not a duration`);
      expect(result.stdout).toBe('');
    }
    const noSince = await replay('--policies', proposed);
    expect(noSince.code).toBe(2);
    expect(noSince.stderr).toContain('give --since');
    const noPolicies = await replay('--since', '7d');
    expect(noPolicies.code).toBe(2);
    expect(noPolicies.stderr).toContain('give --policies DIR');
  });

  it('refuses a missing policy folder, naming it (exit 2)', async () => {
    const missing = join(sandbox.dir, 'no-such-folder');
    const result = await replay('--since', '7d', '--policies', missing);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${missing}: cannot read the policies folder: ENOENT`);
    expect(result.stdout).toBe('');
  });

  it('refuses a bad policy folder, naming the file and JSON path (exit 2)', async () => {
    const broken = writeFolder(join(sandbox.dir, 'broken'), {
      ...PROPOSED,
      'policies.json': [PROPOSED['policies.json'][0], policy('pol-typo', ['ALLOW', 'APPROVE'])],
    });
    const result = await replay('--since', '7d', '--policies', broken);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${join(broken, 'policies.json')} at [1].Actions.OnSuccess.Controls[1]:`);
    const empty = writeFolder(join(sandbox.dir, 'empty'), {});
    const none = await replay('--since', '7d', '--policies', empty);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`${empty}: no policy files`);
  });

  it('refuses an unreadable data dir (missing, or not an agent database) with the reason (exit 2)', async () => {
    const missing = join(sandbox.dir, 'no-data');
    const gone = await runAgent(['policy', 'replay', '--data-dir', missing, '--since', '7d', '--policies', proposed]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain(`keeper-agent policy replay: cannot read the audit in ${missing}:`);
    const junk = join(sandbox.dir, 'junk-data');
    mkdirSync(junk);
    writeFileSync(join(junk, 'agent.db'), 'not a database, just text that is long enough to have a header page of sorts');
    const notDb = await runAgent(['policy', 'replay', '--data-dir', junk, '--since', '7d', '--policies', proposed]);
    expect(notDb.code).toBe(2);
    expect(notDb.stderr).toContain(`cannot read the audit in ${junk}: file is not a database`);
  });
});
