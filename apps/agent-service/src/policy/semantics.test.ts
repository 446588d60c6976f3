/**
 * The rules of docs/policy-semantics.md that evaluate.test.ts and policyLoader.test.ts leave
 * unproven, plus the discrepancies with the Keeper semantics this suite found (D1-D9, all fixed).
 */
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ElevationRequest } from '../../../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../../../shared/protocol/src/node/agentClient.ts';
import { connectClient, makeSandbox, startAgent, type AgentProcess } from '../../../../tests/support/agentProcess.ts';
import { ApprovalService } from '../approvals/approvalService.ts';
import { ApprovalSettings } from '../approvals/approvalSettings.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { agentConnections } from '../../../../tests/support/agentConnections.ts';
import { openAgentDatabase, type AgentDatabase } from '../store/database.ts';
import { PolicySet } from './evaluate.ts';
import { FileHashCache, hashRegularFile } from './fileHashCache.ts';
import { loadPolicyDirectory } from './policyLoader.ts';
import { Collection, KeeperPolicy, type Control } from './policySchema.ts';
import type { EvaluationRequest } from './request.ts';
import { ManualScheduler } from '../../../../tests/support/manualScheduler.ts';
import { policyBuilder } from '../../../../tests/support/keeperPolicy.ts';

const COLLECTIONS: Collection[] = [
  { CollectionId: 'col-devs', Type: 'User', Members: [{ Name: 'ana' }, { Group: 'developers' }] },
  { CollectionId: 'col-apt', Type: 'Application', Members: [{ Path: '/usr/bin/apt*' }] },
  { CollectionId: 'col-home-tools', Type: 'Application', Members: [{ Path: '{userprofile}/bin/*' }] },
  { CollectionId: 'col-named-tools', Type: 'Application', Members: [{ Path: '{UserProfile}/tools/{USERNAME}-*' }, { Path: '{nosuchvar}/x' }] },
  { CollectionId: 'col-laptops', Type: 'Machine', Members: [{ Name: 'lap-*' }] },
  { CollectionId: 'col-own-machine', Type: 'Machine', Members: [{ Name: '{username}-pc' }] },
];

const policy = policyBuilder('s', 'sem');

const MONDAY_1030 = new Date(2026, 10, 23, 10, 30); // Monday 23 Nov 2026, 10:30 local time
function request(overrides: Partial<EvaluationRequest> = {}): EvaluationRequest {
  return {
    policyType: 'PrivilegeElevation',
    user: { uid: 1000, name: 'ana', groups: ['ana'], home: '/home/ana' },
    machine: { name: 'lap-17' },
    application: { path: '/usr/bin/apt-get', sha256: null, signer: null, commandLine: '/usr/bin/apt-get install htop' },
    agentic: null,
    at: MONDAY_1030,
    ...overrides,
  };
}
const at = (at: Date) => request({ at });
const app = (path: string, commandLine = path) => request({ application: { path, sha256: null, signer: null, commandLine } });

const evaluate = (policies: KeeperPolicy[], req = request(), platform: NodeJS.Platform = 'linux') =>
  new PolicySet(policies, COLLECTIONS, platform).evaluate(req, { defaultOutcome: 'deny' });
const outcome = (policies: KeeperPolicy[], req = request(), platform: NodeJS.Platform = 'linux') => evaluate(policies, req, platform).outcome;

describe('matching: schedule checks (local time)', () => {
  it('DayCheck counts Sunday as 0 and Saturday as 6', () => {
    const sunday = new Date(2026, 10, 22, 12, 0);
    const saturday = new Date(2026, 10, 21, 12, 0);
    expect(outcome([policy(['ALLOW'], { DayCheck: [0] })], at(sunday))).toBe('allow');
    expect(outcome([policy(['ALLOW'], { DayCheck: [0] })], at(saturday))).toBe('deny');
    expect(outcome([policy(['ALLOW'], { DayCheck: [6] })], at(saturday))).toBe('allow');
  });

  it('TimeCheck: the start is inclusive, the end exclusive, "HH:MM" is allowed, equal start and end is empty', () => {
    const p = policy(['ALLOW'], { TimeCheck: [{ StartTime: '9', EndTime: '17:30' }] });
    expect(outcome([p], at(new Date(2026, 10, 23, 9, 0)))).toBe('allow');
    expect(outcome([p], at(new Date(2026, 10, 23, 8, 59)))).toBe('deny');
    expect(outcome([p], at(new Date(2026, 10, 23, 17, 29)))).toBe('allow');
    expect(outcome([p], at(new Date(2026, 10, 23, 17, 30)))).toBe('deny');
    const wholeDay = policy(['ALLOW'], { TimeCheck: [{ StartTime: '0', EndTime: '24' }] });
    expect(outcome([wholeDay], at(new Date(2026, 10, 23, 23, 59)))).toBe('allow');
    const empty = policy(['ALLOW'], { TimeCheck: [{ StartTime: '10:30', EndTime: '10:30' }] });
    expect(outcome([empty])).toBe('deny');
  });

  it('TimeCheck windows wrap over midnight, and their end stays exclusive', () => {
    const night = policy(['ALLOW'], { TimeCheck: [{ StartTime: '22', EndTime: '6' }] });
    expect(outcome([night], at(new Date(2026, 10, 23, 23, 0)))).toBe('allow');
    expect(outcome([night], at(new Date(2026, 10, 24, 5, 59)))).toBe('allow');
    expect(outcome([night], at(new Date(2026, 10, 24, 6, 0)))).toBe('deny');
    expect(outcome([night], at(new Date(2026, 10, 23, 21, 59)))).toBe('deny');
  });

  it('DateCheck compares the local calendar date, both ends inclusive', () => {
    const p = policy(['ALLOW'], { DateCheck: [{ StartDate: '2026-11-01', EndDate: '2026-11-23' }] });
    expect(outcome([p], at(new Date(2026, 10, 23, 23, 59)))).toBe('allow');
    expect(outcome([p], at(new Date(2026, 10, 1, 0, 0)))).toBe('allow');
    expect(outcome([p], at(new Date(2026, 10, 24, 0, 0)))).toBe('deny');
  });

  it('one entry of each list is enough, but every list present must pass (Operator "And")', () => {
    const twoWindows = policy(['ALLOW'], {
      TimeCheck: [
        { StartTime: '6', EndTime: '8' },
        { StartTime: '10', EndTime: '11' },
      ],
    });
    expect(outcome([twoWindows])).toBe('allow');
    const wrongDay = policy(['ALLOW'], { TimeCheck: [{ StartTime: '10', EndTime: '11' }], DayCheck: [0, 6] });
    expect(outcome([wrongDay])).toBe('deny');
  });
});

describe('matching: checks, variables, extension', () => {
  it('a check that lists "*" next to collection ids is a wildcard (and adds no specificity)', () => {
    const d = evaluate([policy(['ALLOW'], { UserCheck: ['*', 'col-nobody'] })]);
    expect(d.outcome).toBe('allow');
    expect(d.matched[0]!.specificity).toBe(0);
  });

  it('a check naming a collection of another type, or an unknown id, never matches', () => {
    expect(outcome([policy(['ALLOW'], { UserCheck: ['col-apt'] })])).toBe('deny');
    expect(outcome([policy(['ALLOW'], { ApplicationCheck: ['col-missing'] })])).toBe('deny');
  });

  it('variable names are case-insensitive, {username} expands too, a pattern with an unknown variable matches nothing', () => {
    const p = policy(['ALLOW'], { ApplicationCheck: ['col-named-tools'] });
    expect(outcome([p], app('/home/ana/tools/ana-build'))).toBe('allow');
    expect(outcome([p], app('/home/ana/tools/bob-build'))).toBe('deny');
    expect(outcome([p], app('{nosuchvar}/x'))).toBe('deny');
  });

  it('AllowCommands matches the whole command line, case-insensitively on Windows only', () => {
    const p = policy(['ALLOW'], { Extension: { AllowCommands: ['/usr/bin/apt-get install *'] } });
    const upper = app('/usr/bin/apt-get', '/usr/bin/apt-get INSTALL htop');
    expect(outcome([p], upper, 'linux')).toBe('deny');
    expect(outcome([p], upper, 'win32')).toBe('allow');
    expect(outcome([p], app('/usr/bin/apt-get', 'sudo /usr/bin/apt-get install htop'))).toBe('deny');
  });

  it('minAiLikelihoodPercent is a minimum (inclusive); SubProcessCheck ["*"] still needs an agentic request', () => {
    const threshold = policy(['OPERATORAPPROVAL'], { Extension: { minAiLikelihoodPercent: 90 } });
    const agentic = (ai: number) => request({ agentic: { parentProcess: '/usr/bin/node', aiLikelihoodPercent: ai } });
    expect(outcome([threshold], agentic(90))).toBe('controls');
    expect(outcome([threshold], agentic(89))).toBe('deny');
    const anySub = policy(['ALLOW'], { Extension: { SubProcessCheck: ['*'] } });
    expect(outcome([anySub], agentic(0))).toBe('allow');
    expect(outcome([anySub])).toBe('deny');
  });

  it('off policies are neither matched nor counted', () => {
    const set = new PolicySet([policy(['ALLOW'], {}, 'off'), policy(['ALLOW'])], COLLECTIONS, 'linux');
    expect(set.size).toBe(1);
    expect(set.matching(request())).toHaveLength(1);
  });
});

describe('decisions (the numbered rules of decide())', () => {
  it('rule 2: monitor modes never grant either - a monitored ALLOW leaves the default deny', () => {
    const d = evaluate([policy(['ALLOW'], {}, 'monitor'), policy(['ALLOW'], {}, 'monitor_and_notify')]);
    expect(d.outcome).toBe('deny');
    expect(d.monitored.map((m) => m.wouldBe)).toEqual(['allow', 'allow']);
  });

  it('rule 3: specificity counts the non-wildcard checks - two beat one, and MachineCheck counts', () => {
    const two = evaluate([
      policy(['APPROVAL'], { ApplicationCheck: ['col-apt'] }),
      policy(['ALLOW'], { ApplicationCheck: ['col-apt'], UserCheck: ['col-devs'] }),
    ]);
    expect(two.outcome).toBe('allow');
    expect(two.matched.map((m) => m.specificity)).toEqual([2, 1]);
    const machine = evaluate([policy(['APPROVAL']), policy(['JUSTIFY'], { MachineCheck: ['col-laptops'] })]);
    expect(machine.controls).toEqual(['JUSTIFY']);
  });

  it('rule 3: a tier stacks policies made specific by different checks', () => {
    const d = evaluate([policy(['JUSTIFY'], { UserCheck: ['col-devs'] }), policy(['MFA'], { ApplicationCheck: ['col-apt'] }), policy(['APPROVAL'])]);
    expect(d.controls).toEqual(['MFA', 'JUSTIFY']);
    expect(d.deciding).toHaveLength(2);
  });

  it('rule 3: only the most specific tier decides - a stricter wildcard policy does not add its controls', () => {
    const d = evaluate([policy(['MFA']), policy(['JUSTIFY'], { ApplicationCheck: ['col-apt'] })]);
    expect(d.controls).toEqual(['JUSTIFY']);
  });

  it('rule 3: precedence is APPROVAL, OPERATORAPPROVAL, MFA, JUSTIFY, NOTIFY whatever the array order', () => {
    expect(evaluate([policy(['NOTIFY', 'JUSTIFY', 'MFA', 'OPERATORAPPROVAL'])]).controls).toEqual(['OPERATORAPPROVAL', 'MFA', 'JUSTIFY', 'NOTIFY']);
    expect(evaluate([policy(['NOTIFY', 'JUSTIFY', 'MFA', 'OPERATORAPPROVAL', 'APPROVAL'])]).controls).toEqual([
      'APPROVAL',
      'OPERATORAPPROVAL',
      'MFA',
      'NOTIFY',
    ]);
  });

  it('rule 4: APPROVAL absorbs a JUSTIFY that comes from another policy of the same tier', () => {
    const d = evaluate([policy(['JUSTIFY']), policy(['APPROVAL'])]);
    expect(d.controls).toEqual(['APPROVAL']);
    expect(d.justificationWithApproval).toBe(true);
  });

  it('rule 4: end-user approval (OPERATORAPPROVAL) does not collect a justification', () => {
    const d = evaluate([policy(['OPERATORAPPROVAL', 'JUSTIFY'])]);
    expect(d.controls).toEqual(['OPERATORAPPROVAL', 'JUSTIFY']);
    expect(d.justificationWithApproval).toBe(false);
  });

  it('AUDIT and RECORD are flags from every enforced match, also outside the deciding tier and on a deny', () => {
    const d = evaluate([policy(['ALLOW'], { ApplicationCheck: ['col-apt'] }), policy(['ALLOW', 'RECORD'])]);
    expect(d.outcome).toBe('allow');
    expect(d.record).toBe(true);
    expect(d.audit).toBe(false);
    const denied = evaluate([policy(['DENY']), policy(['ALLOW', 'AUDIT'], { ApplicationCheck: ['col-apt'] })]);
    expect(denied.outcome).toBe('deny');
    expect(denied.audit).toBe(true);
    expect(evaluate([policy(['ALLOW', 'AUDIT'], {}, 'monitor')]).audit).toBe(false);
  });

  it('AUDIT and RECORD only record: a recording-only policy never allows, nor takes the tier from the policies that decide', () => {
    for (const alone of [['AUDIT'], ['RECORD'], ['AUDIT', 'RECORD']] as Control[][]) {
      const d = evaluate([policy(alone)]);
      expect(d).toMatchObject({ outcome: 'deny', reasonDetail: { code: 'default-deny' }, deciding: [], controls: [] });
      expect(d.audit || d.record).toBe(true);
    }
    // A specific recording policy leaves the decision to the broader policies that decide.
    const broad = policy(['APPROVAL']);
    const approval = evaluate([policy(['AUDIT'], { ApplicationCheck: ['col-apt'] }), broad]);
    expect(approval).toMatchObject({ outcome: 'controls', controls: ['APPROVAL'], audit: true, deciding: [broad.PolicyId] });
    expect(evaluate([policy(['RECORD'], { ApplicationCheck: ['col-apt'] }), policy(['ALLOW'])])).toMatchObject({ outcome: 'allow', record: true });
    // A monitored recording-only policy would, on its own, leave the default.
    expect(evaluate([policy(['AUDIT'], {}, 'monitor')]).monitored[0]!.wouldBe).toBe('deny');
  });
});

describe('the embedded default policies (resources/policies)', () => {
  const load = loadPolicyDirectory(resolve(import.meta.dirname, '../../../../resources/policies'));
  const set = new PolicySet(load.policies, load.collections, 'linux', { hashes: new FileHashCache() });
  const person = { uid: 1000, name: 'ana', groups: ['ana', 'keeper-users'], home: '/home/ana' };
  // As the agent asks: the program's hash, read from the file (null for one this machine lacks).
  const ask = (path: string, args: string[] = [], user = person) => {
    const sha256 = hashRegularFile(existsSync(path) ? realpathSync(path) : path)?.sha256 ?? null;
    return set.evaluate(request({ user, application: { path, sha256, signer: null, commandLine: [path, ...args].join(' '), arguments: args } }), {
      defaultOutcome: 'deny',
    });
  };

  it('load without errors and name only collections they define', () => {
    expect(load.errors).toEqual([]);
    expect(set.unknownCollections(load.policies)).toEqual([]);
  });

  it('deny elevated shells, ask package managers for a justification, send the rest to approval', () => {
    const shell = ask('/bin/bash');
    expect(shell).toMatchObject({ outcome: 'deny', audit: true });
    expect(shell.reason).toContain('elevated shell');
    expect(ask('/usr/bin/apt-get', ['install', 'htop'])).toMatchObject({ outcome: 'controls', controls: ['JUSTIFY'], audit: true });
    expect(ask('/usr/bin/vim', ['--help'])).toMatchObject({ outcome: 'controls', controls: ['APPROVAL'], justificationWithApproval: true, audit: true });
  });

  it('deny shells, interpreters and command runners by path, also through their canonical paths', () => {
    for (const path of [
      '/usr/bin/sh',
      '/usr/bin/dash',
      '/usr/bin/zsh',
      '/usr/bin/fish',
      '/usr/bin/python3',
      '/usr/bin/python3.11',
      '/usr/bin/perl',
      '/usr/bin/node',
      '/usr/bin/env',
      '/usr/bin/sudo',
      '/usr/bin/su',
      '/usr/bin/script',
      '/usr/bin/busybox',
      '/usr/bin/tclsh',
    ]) {
      expect(ask(path).outcome, path).toBe('deny');
    }
  });

  it('let package managers pass with a justification only with argument shapes that leave out options and hooks', () => {
    for (const args of [['update'], ['install', 'htop', 'vim'], ['-y', 'install', 'htop'], ['upgrade', '-y'], ['remove', 'htop']]) {
      expect(ask('/usr/bin/apt-get', args).controls, args.join(' ')).toEqual(['JUSTIFY']);
    }
    for (const args of [
      ['-o', 'APT::Update::Pre-Invoke::=id', 'update'],
      ['-oAPT::Update::Pre-Invoke::=id', 'update'],
      ['--option=APT::Update::Pre-Invoke::=id', 'update'],
      ['update', '-o', 'APT::Update::Pre-Invoke::=id'],
      ['-c', '/tmp/x.conf', 'update'],
      ['install', './evil.deb'],
      ['install', 'evil.deb'],
      ['install', '--allow-unauthenticated', 'htop'],
      ['install', '--', '-oX=y'],
    ]) {
      expect(ask('/usr/bin/apt-get', args).controls, args.join(' ')).toEqual(['APPROVAL']);
    }
    expect(ask('/usr/bin/dnf', ['install', 'htop']).controls).toEqual(['JUSTIFY']);
    for (const args of [
      ['--setopt=tsflags=noscripts', 'install', 'htop'],
      ['install', 'evil.rpm'],
      ['--installroot=/tmp/r', 'install', 'x'],
      ['install', '--nogpgcheck', 'x'],
    ]) {
      expect(ask('/usr/bin/dnf', args).controls, args.join(' ')).toEqual(['APPROVAL']);
    }
    expect(ask('/usr/bin/dpkg', ['--configure', '-a']).controls).toEqual(['JUSTIFY']);
    expect(ask('/usr/bin/dpkg', ['-i', 'x.deb']).controls).toEqual(['APPROVAL']);
    expect(ask('/usr/bin/dpkg', ['--force-all', '--configure', '-a']).controls).toEqual(['APPROVAL']);
    expect(ask('/usr/bin/snap', ['install', 'hello']).controls).toEqual(['JUSTIFY']);
    expect(ask('/usr/bin/snap', ['install', '--dangerous', 'x.snap']).controls).toEqual(['APPROVAL']);
    expect(ask('/usr/bin/pip3', ['install', 'requests']).controls).toEqual(['APPROVAL']);
  });

  it('take requests only from people in the keeper-users group: anyone else gets the default deny', () => {
    const service = { uid: 65534, name: 'nobody', groups: ['nogroup'], home: '/nonexistent' };
    expect(ask('/usr/bin/apt-get', ['install', 'htop'], service)).toMatchObject({ outcome: 'deny', reasonDetail: { code: 'default-deny' } });
    expect(ask('/usr/bin/vim', [], service)).toMatchObject({ outcome: 'deny', reasonDetail: { code: 'default-deny' } });
  });
});

describe('loading: collections', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kp-semantics-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, value: unknown) => writeFileSync(join(dir, name), JSON.stringify(value));

  it('refuses a second definition of the same collection id (the whole second file)', () => {
    write('a.json', { Collections: [{ CollectionId: 'col-x', Type: 'User', Members: [{ Name: 'ana' }] }] });
    write('b.json', {
      Collections: [
        { CollectionId: 'col-y', Type: 'User', Members: [] },
        { CollectionId: 'col-x', Type: 'User', Members: [] },
      ],
    });
    const load = loadPolicyDirectory(dir);
    expect(load.collections.map((c) => c.CollectionId)).toEqual(['col-x']);
    expect(load.errors).toEqual([{ file: 'b.json', path: '', message: 'collection col-x is already defined in a.json' }]);
  });

  it('a member is exactly one of its kinds, reported with its JSON path', () => {
    write('c.json', { Collections: [{ CollectionId: 'col-x', Type: 'User', Members: [{ Name: 'ana', Uid: 1 }] }] });
    const load = loadPolicyDirectory(dir);
    expect(load.collections).toEqual([]);
    expect(load.errors[0]).toMatchObject({ file: 'c.json' });
    expect(load.errors[0]!.path).toMatch(/^Collections\[0\]\.Members\[0\]/);
  });

  it('PolicySet.unknownCollections lists ids that policies name and no collection defines', () => {
    const policies = [policy(['ALLOW'], { UserCheck: ['col-devs', 'col-ghost'], ApplicationCheck: ['col-gone'] })];
    expect(new PolicySet(policies, COLLECTIONS, 'linux').unknownCollections(policies).sort()).toEqual(['col-ghost', 'col-gone']);
  });
});

describe('offline: the agent started with --offline (complements tests/integration/auditOffline.test.ts)', () => {
  const sandbox = makeSandbox();
  const bin = join(sandbox.dir, 'bin');
  const controls: Record<string, Control[]> = {
    approval: ['APPROVAL'],
    operator: ['OPERATORAPPROVAL'],
    mfa: ['MFA'],
    layered: ['JUSTIFY', 'MFA'],
    justify: ['JUSTIFY'],
    allow: ['ALLOW'],
    deny: ['DENY'],
  };
  let agent: AgentProcess;
  let client: AgentClient;
  const ask = (name: string) => client.request(ElevationRequest, { executable: join(bin, name), arguments: [], cwd: '/' });

  beforeAll(async () => {
    const policiesDir = join(sandbox.dir, 'policies');
    mkdirSync(bin);
    mkdirSync(policiesDir);
    const names = Object.keys(controls);
    for (const name of names) writeFileSync(join(bin, name), `#!/bin/sh\n# ${name}\n`);
    writeFileSync(
      join(policiesDir, 'collections.json'),
      JSON.stringify({ Collections: names.map((name) => ({ CollectionId: `col-${name}`, Type: 'Application', Members: [{ Path: join(bin, name) }] })) }),
    );
    writeFileSync(
      join(policiesDir, 'policies.json'),
      JSON.stringify(
        names.map((name) => ({
          PolicyName: `Offline ${name}`,
          PolicyId: `pol-offline-${name}`,
          PolicyType: 'PrivilegeElevation',
          Status: 'enforce',
          ApplicationCheck: [`col-${name}`],
          Actions: { OnSuccess: { Controls: controls[name] } },
        })),
      ),
    );
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--policies', policiesDir, '--offline'] });
    client = await connectClient(sandbox.socket);
  });

  afterAll(async () => {
    client?.close();
    await agent?.stop();
    sandbox.cleanup();
  });

  it('APPROVAL, OPERATORAPPROVAL and MFA block, alone or layered with JUSTIFY', async () => {
    for (const name of ['approval', 'operator', 'mfa', 'layered']) {
      const result = await ask(name);
      expect(result.state, name).toBe('denied');
      expect(result.decision.controls, name).toEqual([]);
      expect(result.decision.reason, name).toMatch(/offline/);
    }
    expect((await ask('layered')).decision.reason).toContain('MFA');
  });

  it('JUSTIFY still goes ahead (its prompt runs locally); ALLOW and DENY decide locally', async () => {
    const justify = await ask('justify');
    expect(justify.state).toBe('pending');
    expect(justify.decision.controls).toEqual(['JUSTIFY']);
    expect((await ask('allow')).state).toBe('allowed');
    const deny = await ask('deny');
    expect(deny.state).toBe('denied');
    expect(deny.decision.reason).not.toMatch(/offline/);
  });
});

describe("admin approval timers at their defaults (the seed's table)", () => {
  const MINUTE = 60_000;
  let dir: string;
  let db: AgentDatabase;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kp-approvals-'));
    db = openAgentDatabase(dir);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const setup = (settings: unknown = {}) => {
    const scheduler = new ManualScheduler(new Date(2026, 10, 23, 9, 0).getTime());
    const names: Record<number, string> = { 0: 'root', 1000: 'ana', 1001: 'sam' };
    const service = new ApprovalService({
      db,
      clock: { now: () => new Date(scheduler.now) },
      scheduler,
      audit: { append: () => 'id' } as unknown as AuditLog,
      ...agentConnections(),
      settings: ApprovalSettings.parse(settings),
      accounts: (uid) => Promise.resolve({ name: names[uid] ?? null, home: null, groups: [] }),
    });
    const approval = service.create({
      requestId: `req-${scheduler.now}`,
      requester: { uid: 1000, name: 'ana' },
      machine: 'lap-17',
      application: { path: '/usr/bin/apt-get', sha256: 'a'.repeat(64), commandLine: '/usr/bin/apt-get install htop' },
      cwd: '/home/ana',
      justification: 'Need htop to debug the build agent',
      matchedPolicies: [],
    });
    const status = async () => (await service.list(0)).approvals.find((a) => a.approvalId === approval.approvalId)!.status;
    return { scheduler, service, approval, status };
  };

  it('defaults: expiry 30 min, escalation after 30 min, escalated expiry 4 h, approved usable 24 h', () => {
    expect(ApprovalSettings.parse({})).toMatchObject({
      requestExpiryMinutes: 30,
      escalateAfterMinutes: 30,
      escalatedExpiryMinutes: 240,
      approvedUsableMinutes: 1440,
    });
  });

  it('without secondary approvers, a request expires 30 minutes after it was made', async () => {
    const { scheduler, status } = setup();
    scheduler.advance(30 * MINUTE - 1);
    expect(await status()).toBe('Pending');
    scheduler.advance(1);
    expect(await status()).toBe('Expired');
  });

  it('with secondary approvers, it escalates after 30 minutes and expires 4 hours after escalating', async () => {
    const { scheduler, status } = setup({ secondaryApprovers: { users: ['sam'] } });
    scheduler.advance(30 * MINUTE);
    expect(await status()).toBe('Escalated');
    scheduler.advance(240 * MINUTE - 1);
    expect(await status()).toBe('Escalated');
    scheduler.advance(1);
    expect(await status()).toBe('Expired');
  });

  it('an approved request is usable once, for 24 hours from the approval', async () => {
    const first = setup();
    await first.service.decide(0, { approvalId: first.approval.approvalId, decision: 'approve' });
    first.scheduler.advance(24 * 60 * MINUTE - 1);
    expect(first.service.consume(first.approval.approvalId, 'req-use')).toBe(true);
    expect(first.service.consume(first.approval.approvalId, 'req-again')).toBe(false);
    const late = setup();
    await late.service.decide(0, { approvalId: late.approval.approvalId, decision: 'approve' });
    late.scheduler.advance(24 * 60 * MINUTE);
    expect(late.service.consume(late.approval.approvalId, 'req-late')).toBe(false);
  });
});

describe('discrepancies with the Keeper semantics found by this suite, all fixed', () => {
  it('D1: AllowCommands patterns expand variables before matching', () => {
    const p = policy(['ALLOW'], { Extension: { AllowCommands: ['{userprofile}/bin/deploy *'] } });
    expect(outcome([p], app('/usr/bin/apt-get', '/home/ana/bin/deploy --prod'))).toBe('allow');
  });

  it('D2: machine name patterns expand variables before matching', () => {
    const p = policy(['ALLOW'], { MachineCheck: ['col-own-machine'] });
    expect(outcome([p], request({ machine: { name: 'ana-pc' } }))).toBe('allow');
  });

  it('D3: a variable with no value (user without a home folder) never widens a pattern', () => {
    // '{userprofile}/bin/*' must not become '/bin/*' and allow every program in /bin.
    const p = policy(['ALLOW'], { ApplicationCheck: ['col-home-tools'] });
    const homeless = request({
      user: { uid: 1001, name: 'bo', groups: [], home: null },
      application: { path: '/bin/bash', sha256: null, signer: null, commandLine: '/bin/bash' },
    });
    expect(outcome([p], homeless)).toBe('deny');
  });

  it('D4: ties between equally specific policies resolve in load order (reason of the first DENY)', () => {
    const d = evaluate([
      policy(['DENY'], { UserCheck: ['col-devs'], NotificationMessage: 'first in load order' }),
      policy(['DENY'], { ApplicationCheck: ['col-apt'], NotificationMessage: 'second in load order' }),
    ]);
    expect(d.reason).toBe('first in load order');
  });

  it('D5: an id defined twice in the same file is refused like one defined in two files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kp-semantics-dup-'));
    try {
      const p = (name: string, controls: Control[]) => ({
        PolicyName: name,
        PolicyId: 'pol-same',
        PolicyType: 'PrivilegeElevation',
        Status: 'enforce',
        Actions: { OnSuccess: { Controls: controls } },
      });
      writeFileSync(join(dir, 'p.json'), JSON.stringify([p('first', ['ALLOW']), p('second', ['DENY'])]));
      const load = loadPolicyDirectory(dir);
      expect(load.policies).toEqual([]);
      expect(load.errors).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('D6: monitored findings are listed in load order, like matched', () => {
    const d = evaluate([
      policy(['ALLOW'], { UserCheck: ['col-devs'], PolicyName: 'first' }, 'monitor'),
      policy(['DENY'], { ApplicationCheck: ['col-apt'], PolicyName: 'second' }, 'monitor'),
    ]);
    expect(d.monitored.map((m) => m.policyName)).toEqual(['first', 'second']);
  });

  it('D8: ALLOW or DENY next to any control but AUDIT and RECORD rejects the file, with its JSON path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kp-semantics-determination-'));
    try {
      const p = (id: string, controls: Control[]) => ({
        PolicyName: id,
        PolicyId: id,
        PolicyType: 'PrivilegeElevation',
        Status: 'enforce',
        Actions: { OnSuccess: { Controls: controls } },
      });
      writeFileSync(join(dir, 'a-allow-mfa.json'), JSON.stringify([p('ok', ['ALLOW', 'AUDIT']), p('allow-mfa', ['ALLOW', 'MFA'])]));
      writeFileSync(join(dir, 'b-deny-justify.json'), JSON.stringify(p('deny-justify', ['AUDIT', 'DENY', 'JUSTIFY'])));
      writeFileSync(join(dir, 'c-allow-deny.json'), JSON.stringify(p('allow-deny', ['ALLOW', 'DENY'])));
      writeFileSync(join(dir, 'd-recording.json'), JSON.stringify([p('deny-audit', ['DENY', 'AUDIT', 'RECORD']), p('allow-record', ['RECORD', 'ALLOW'])]));
      const load = loadPolicyDirectory(dir);
      expect(load.policies.map((x) => x.PolicyId)).toEqual(['deny-audit', 'allow-record']);
      expect(load.errors).toEqual([
        {
          file: 'a-allow-mfa.json',
          path: '[1].Actions.OnSuccess.Controls[1]',
          message: 'ALLOW decides the outcome on its own and cannot be combined with MFA (only AUDIT and RECORD may go with it)',
        },
        {
          file: 'b-deny-justify.json',
          path: 'Actions.OnSuccess.Controls[2]',
          message: 'DENY decides the outcome on its own and cannot be combined with JUSTIFY (only AUDIT and RECORD may go with it)',
        },
        {
          file: 'c-allow-deny.json',
          path: 'Actions.OnSuccess.Controls[1]',
          message: 'ALLOW decides the outcome on its own and cannot be combined with DENY (only AUDIT and RECORD may go with it)',
        },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('D7: a collection id defined twice in the same file is refused too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kp-semantics-dup-'));
    try {
      const twice = [
        { CollectionId: 'col-x', Type: 'User', Members: [{ Name: 'ana' }] },
        { CollectionId: 'col-x', Type: 'Machine', Members: [{ Name: 'lap-*' }] },
      ];
      writeFileSync(join(dir, 'c.json'), JSON.stringify({ Collections: twice }));
      const load = loadPolicyDirectory(dir);
      expect(load.collections).toEqual([]);
      expect(load.errors).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
