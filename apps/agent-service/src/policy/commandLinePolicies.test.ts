import { describe, expect, it } from 'vitest';
import { explain } from './explain.ts';
import { PolicySet } from './evaluate.ts';
import type { Collection, KeeperPolicy, PolicyType } from './policySchema.ts';
import type { EvaluationRequest } from './request.ts';
import { policyBuilder } from '../../../../tests/support/keeperPolicy.ts';

const COLLECTIONS: Collection[] = [
  { CollectionId: 'col-devs', Type: 'User', Members: [{ Name: 'ana' }] },
  { CollectionId: 'col-apt', Type: 'Application', Members: [{ Path: '/usr/bin/apt*' }] },
];

const policy = policyBuilder('p', 'pol');
const commandLine = (controls: KeeperPolicy['Actions']['OnSuccess']['Controls'], patterns: string[], extra: Record<string, unknown> = {}) =>
  policy(controls, { PolicyType: 'CommandLine', Extension: { AllowCommands: patterns }, ...extra });

function request(line: string, policyType: PolicyType = 'PrivilegeElevation'): EvaluationRequest {
  const [path] = line.split(' ');
  return {
    policyType,
    user: { uid: 1000, name: 'ana', groups: ['ana'], home: '/home/ana' },
    machine: { name: 'lap-17' },
    application: { path: path!, sha256: null, signer: null, commandLine: line, arguments: line.split(' ').slice(1) },
    agentic: null,
    at: new Date(2026, 10, 23, 10, 30),
  };
}

const evaluate = (policies: KeeperPolicy[], req: EvaluationRequest) => new PolicySet(policies, COLLECTIONS, 'linux').evaluate(req, { defaultOutcome: 'deny' });

/** docs/policy-semantics.md, 5.3: Command Line policies decide elevations with the Privilege Elevation ones. */
describe('Command Line policies decide by the whole command line', () => {
  it('CL1: an ALLOW whose AllowCommands pattern matches the whole command line allows the elevation', () => {
    const d = evaluate([commandLine(['ALLOW'], ['/usr/bin/apt-get update'])], request('/usr/bin/apt-get update'));
    expect(d.outcome).toBe('allow');
    expect(d.deciding).toEqual(['pol-1']);
  });

  it('CL2: a command line no pattern matches is left to the default deny', () => {
    const policies = [commandLine(['ALLOW'], ['/usr/bin/apt-get update'])];
    expect(evaluate(policies, request('/usr/bin/apt-get update --allow-insecure-repositories')).outcome).toBe('deny');
    expect(evaluate(policies, request('/usr/bin/apt-get purge systemd')).outcome).toBe('deny');
  });

  it('CL3: a Command Line DENY wins over a Privilege Elevation ALLOW, however specific', () => {
    const policies = [
      policy(['ALLOW'], { ApplicationCheck: ['col-apt'], UserCheck: ['col-devs'] }),
      commandLine(['DENY'], ['/usr/bin/apt-get purge *'], { NotificationMessage: 'No purges.' }),
    ];
    const d = evaluate(policies, request('/usr/bin/apt-get purge systemd'));
    expect(d.outcome).toBe('deny');
    expect(d.reason).toBe('No purges.');
    expect(evaluate(policies, request('/usr/bin/apt-get install htop')).outcome).toBe('allow');
  });

  it('CL4: a Privilege Elevation DENY wins over a Command Line ALLOW', () => {
    const policies = [policy(['DENY'], { ApplicationCheck: ['col-apt'] }), commandLine(['ALLOW'], ['/usr/bin/apt-get *'])];
    expect(evaluate(policies, request('/usr/bin/apt-get update')).outcome).toBe('deny');
  });

  it('CL5: otherwise the most specific tier of both types decides, and equally specific tiers stack', () => {
    // A specific Command Line ALLOW is the trusted-command exception inside a broad approval policy.
    const exception = [policy(['APPROVAL']), commandLine(['ALLOW'], ['/usr/bin/apt-get update'], { UserCheck: ['col-devs'] })];
    expect(evaluate(exception, request('/usr/bin/apt-get update')).outcome).toBe('allow');
    expect(evaluate(exception, request('/usr/bin/apt-get install htop')).controls).toEqual(['APPROVAL']);
    // AllowCommands adds no specificity: a wildcard Command Line policy stacks with a wildcard one.
    const stacked = evaluate([policy(['JUSTIFY']), commandLine(['MFA'], ['/usr/bin/apt-get *'])], request('/usr/bin/apt-get update'));
    expect(stacked.controls).toEqual(['MFA', 'JUSTIFY']);
  });

  it('CL6: the type a client names cannot leave the other out (CommandLine still meets a Privilege Elevation DENY)', () => {
    const policies = [policy(['DENY'], { ApplicationCheck: ['col-apt'] }), commandLine(['ALLOW'], ['/usr/bin/apt-get *'])];
    expect(evaluate(policies, request('/usr/bin/apt-get update', 'CommandLine')).outcome).toBe('deny');
  });

  it('CL7: Command Line policies do not decide other types (a file edit)', () => {
    expect(evaluate([commandLine(['ALLOW'], ['*'])], request('/etc/hosts', 'FileAccess')).outcome).toBe('deny');
  });

  it('CL8: the preview lists and decides with the Command Line policies too', () => {
    const set = new PolicySet([policy(['APPROVAL']), commandLine(['DENY'], ['/usr/bin/apt-get purge *'])], COLLECTIONS, 'linux');
    const shown = explain(set, request('/usr/bin/apt-get purge x'), { defaultOutcome: 'deny' });
    expect(shown.decision.outcome).toBe('deny');
    expect(shown.policies.map((p) => p.matched)).toEqual([true, true]);
    expect(shown.decision.deciding).toEqual([shown.policies[1]!.policyId]);
  });
});
