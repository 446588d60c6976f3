import { describe, expect, it } from 'vitest';
import { PolicySet } from './evaluate.ts';
import { KeeperPolicy, type Collection } from './policySchema.ts';
import type { EvaluationRequest } from './request.ts';
import { policyBuilder } from '../../../../tests/support/keeperPolicy.ts';

const COLLECTIONS: Collection[] = [
  { CollectionId: 'col-devs', Type: 'User', Members: [{ Name: 'ana' }, { Group: 'developers' }] },
  { CollectionId: 'col-ops', Type: 'User', Members: [{ Uid: 2000 }] },
  { CollectionId: 'col-apt', Type: 'Application', Members: [{ Path: '/usr/bin/apt*' }] },
  { CollectionId: 'col-home-tools', Type: 'Application', Members: [{ Path: '{userprofile}/bin/*' }] },
  { CollectionId: 'col-signed', Type: 'Application', Members: [{ Signer: 'Keeper Security' }, { Sha256: 'a'.repeat(64) }] },
  { CollectionId: 'col-laptops', Type: 'Machine', Members: [{ Name: 'lap-*' }] },
];

const policy = policyBuilder('p', 'pol');

const at = new Date(2026, 10, 23, 10, 30); // Monday 23 Nov 2026, 10:30 local
function request(overrides: Partial<EvaluationRequest> = {}): EvaluationRequest {
  return {
    policyType: 'PrivilegeElevation',
    user: { uid: 1000, name: 'ana', groups: ['ana'], home: '/home/ana' },
    machine: { name: 'lap-17' },
    application: { path: '/usr/bin/apt-get', sha256: null, signer: null, commandLine: '/usr/bin/apt-get install htop' },
    agentic: null,
    at,
    ...overrides,
  };
}

const evaluate = (policies: KeeperPolicy[], req = request(), platform: NodeJS.Platform = 'linux') =>
  new PolicySet(policies, COLLECTIONS, platform).evaluate(req, { defaultOutcome: 'deny' });

describe('policy decisions (docs/policy-semantics.md)', () => {
  it('ALLOW alone passes silently', () => {
    const d = evaluate([policy(['ALLOW'])]);
    expect(d.outcome).toBe('allow');
    expect(d.controls).toEqual([]);
  });

  it('no enforced policy: the default outcome (deny) applies', () => {
    const d = evaluate([policy(['ALLOW'], { ApplicationCheck: ['col-signed'] })]);
    expect(d.outcome).toBe('deny');
    expect(d.reason).toMatch(/No policy allows/);
  });

  it('DENY has the highest priority, even from a wildcard policy against a specific ALLOW', () => {
    const d = evaluate([
      policy(['ALLOW'], { ApplicationCheck: ['col-apt'], UserCheck: ['col-devs'] }),
      policy(['DENY'], { NotificationMessage: 'Package managers are blocked.' }),
    ]);
    expect(d.outcome).toBe('deny');
    expect(d.reason).toBe('Package managers are blocked.');
    expect(d.controls).toEqual([]);
  });

  it('all matching policies of the deciding tier stack their controls; the most restrictive wins', () => {
    const d = evaluate([policy(['ALLOW']), policy(['MFA']), policy(['JUSTIFY', 'AUDIT'])]);
    expect(d.outcome).toBe('controls');
    expect(d.controls).toEqual(['MFA', 'JUSTIFY']);
    expect(d.audit).toBe(true);
    expect(d.deciding).toHaveLength(3);
  });

  it('presents controls in precedence order, not array order: Approval → MFA → Justification', () => {
    expect(evaluate([policy(['JUSTIFY', 'MFA'])]).controls).toEqual(['MFA', 'JUSTIFY']);
    expect(evaluate([policy(['MFA', 'APPROVAL'])]).controls).toEqual(['APPROVAL', 'MFA']);
  });

  it('approval always collects a justification, and never asks for it twice', () => {
    const withJustify = evaluate([policy(['JUSTIFY', 'APPROVAL'])]);
    expect(withJustify.controls).toEqual(['APPROVAL']);
    expect(withJustify.justificationWithApproval).toBe(true);
    const without = evaluate([policy(['APPROVAL'])]);
    expect(without.justificationWithApproval).toBe(true);
  });

  it('a more specific policy takes precedence over wildcard ones (a trusted-tool exception)', () => {
    const d = evaluate([policy(['APPROVAL']), policy(['ALLOW'], { ApplicationCheck: ['col-apt'] })]);
    expect(d.outcome).toBe('allow');
    expect(d.deciding).toHaveLength(1);
    expect(d.matched.map((m) => m.specificity)).toEqual([1, 0]);
  });

  it('specificity comes from User/Application/Machine checks, not from AllowCommands', () => {
    const d = evaluate([policy(['APPROVAL']), policy(['ALLOW'], { Extension: { AllowCommands: ['/usr/bin/apt-get *'] } })]);
    expect(d.outcome).toBe('controls');
    expect(d.controls).toEqual(['APPROVAL']);
  });

  it('AllowCommands restricts the command lines a policy applies to', () => {
    const p = policy(['ALLOW'], { Extension: { AllowCommands: ['/usr/bin/apt-get install *'] } });
    expect(evaluate([p]).outcome).toBe('allow');
    expect(
      evaluate([p], request({ application: { path: '/usr/bin/apt-get', sha256: null, signer: null, commandLine: '/usr/bin/apt-get purge systemd' } })).outcome,
    ).toBe('deny');
  });

  it('monitor modes never block: they only record what would have happened', () => {
    const d = evaluate([policy(['ALLOW']), policy(['DENY'], {}, 'monitor'), policy(['APPROVAL'], {}, 'monitor_and_notify')]);
    expect(d.outcome).toBe('allow');
    expect(d.monitored.map((m) => [m.status, m.wouldBe])).toEqual([
      ['monitor', 'deny'],
      ['monitor_and_notify', 'controls'],
    ]);
  });

  it('off policies are ignored', () => {
    expect(evaluate([policy(['ALLOW'], {}, 'off')]).outcome).toBe('deny');
  });

  it('matches users by name, uid and group collections', () => {
    const p = policy(['ALLOW'], { UserCheck: ['col-ops'] });
    expect(evaluate([p]).outcome).toBe('deny');
    expect(evaluate([p], request({ user: { uid: 2000, name: 'bo', groups: [], home: null } })).outcome).toBe('allow');
    const byGroup = policy(['ALLOW'], { UserCheck: ['col-devs'] });
    expect(evaluate([byGroup], request({ user: { uid: 3, name: 'cy', groups: ['developers'], home: null } })).outcome).toBe('allow');
  });

  it('matches applications by path wildcard, SHA-256 and signer', () => {
    const signed = policy(['ALLOW'], { ApplicationCheck: ['col-signed'] });
    const app = (a: Partial<EvaluationRequest['application']>) =>
      request({ application: { path: '/opt/x', sha256: null, signer: null, commandLine: '/opt/x', ...a } });
    expect(evaluate([signed], app({})).outcome).toBe('deny');
    expect(evaluate([signed], app({ signer: 'keeper security' })).outcome).toBe('allow');
    expect(evaluate([signed], app({ sha256: 'A'.repeat(64) })).outcome).toBe('allow');
  });

  it('expands variables such as {userprofile} before matching', () => {
    const p = policy(['ALLOW'], { ApplicationCheck: ['col-home-tools'] });
    const app = (path: string) => request({ application: { path, sha256: null, signer: null, commandLine: path } });
    expect(evaluate([p], app('/home/ana/bin/tool')).outcome).toBe('allow');
    expect(evaluate([p], app('/home/bob/bin/tool')).outcome).toBe('deny');
  });

  it('is case-insensitive on Windows only', () => {
    const p = policy(['ALLOW'], { ApplicationCheck: ['col-apt'] });
    const upper = request({ application: { path: '/USR/BIN/APT-GET', sha256: null, signer: null, commandLine: '' } });
    expect(evaluate([p], upper, 'linux').outcome).toBe('deny');
    expect(evaluate([p], upper, 'win32').outcome).toBe('allow');
  });

  it('matches machines by name pattern', () => {
    const p = policy(['ALLOW'], { MachineCheck: ['col-laptops'] });
    expect(evaluate([p]).outcome).toBe('allow');
    expect(evaluate([p], request({ machine: { name: 'srv-01' } })).outcome).toBe('deny');
  });

  it('DateCheck, TimeCheck and DayCheck use local time; time windows may wrap midnight', () => {
    expect(evaluate([policy(['ALLOW'], { DayCheck: [1, 2, 3, 4, 5] })]).outcome).toBe('allow');
    expect(evaluate([policy(['ALLOW'], { DayCheck: [0, 6] })]).outcome).toBe('deny');
    expect(evaluate([policy(['ALLOW'], { TimeCheck: [{ StartTime: '9', EndTime: '18' }] })]).outcome).toBe('allow');
    expect(evaluate([policy(['ALLOW'], { TimeCheck: [{ StartTime: '11', EndTime: '18' }] })]).outcome).toBe('deny');
    expect(evaluate([policy(['ALLOW'], { TimeCheck: [{ StartTime: '22', EndTime: '11' }] })]).outcome).toBe('allow');
    expect(evaluate([policy(['ALLOW'], { DateCheck: [{ StartDate: '2026-11-23', EndDate: '2026-11-23' }] })]).outcome).toBe('allow');
    expect(evaluate([policy(['ALLOW'], { DateCheck: [{ StartDate: '2026-12-01', EndDate: '2026-12-31' }] })]).outcome).toBe('deny');
  });

  it('agentic policies apply only above minAiLikelihoodPercent and to the listed sub-processes', () => {
    const p = policy(['OPERATORAPPROVAL'], { PolicyType: 'AgenticAccess', Extension: { minAiLikelihoodPercent: 90, SubProcessCheck: ['*/node'] } });
    const agentic = (ai: number, parent = '/usr/bin/node') =>
      request({ policyType: 'AgenticAccess', agentic: { parentProcess: parent, aiLikelihoodPercent: ai } });
    expect(evaluate([p], agentic(95)).controls).toEqual(['OPERATORAPPROVAL']);
    expect(evaluate([p], agentic(50)).outcome).toBe('deny');
    expect(evaluate([p], agentic(95, '/usr/bin/python3')).outcome).toBe('deny');
    expect(evaluate([p], request({ policyType: 'AgenticAccess' })).outcome).toBe('deny');
  });

  it('policies apply only to their PolicyType', () => {
    expect(evaluate([policy(['ALLOW'], { PolicyType: 'FileAccess' })]).outcome).toBe('deny');
  });

  it('NOTIFY carries the policy message and whether it must be acknowledged', () => {
    const d = evaluate([policy(['NOTIFY'], { NotificationMessage: 'Elevation is audited.', NotificationRequiresAcknowledge: true })]);
    expect(d.controls).toEqual(['NOTIFY']);
    expect(d.notification).toEqual({ message: 'Elevation is audited.', requiresAcknowledge: true });
  });

  it('gives the same decisions from the index as from checking every policy', () => {
    const policies = [
      policy(['ALLOW'], { ApplicationCheck: ['col-apt'] }),
      policy(['MFA'], { UserCheck: ['col-devs'] }),
      policy(['JUSTIFY'], { MachineCheck: ['col-laptops'] }),
      policy(['APPROVAL'], { UserCheck: ['col-ops'], ApplicationCheck: ['col-apt'] }),
    ];
    const set = new PolicySet(policies, COLLECTIONS, 'linux');
    const ids = set
      .matching(request())
      .map((c) => c.policy.PolicyId)
      .sort();
    expect(ids).toEqual([policies[0]!.PolicyId, policies[1]!.PolicyId, policies[2]!.PolicyId].sort());
  });
});
