import { describe, expect, it } from 'vitest';
import { PolicySet } from './evaluate.ts';
import { explain } from './explain.ts';
import { parseCaseFile, toEvaluationRequest } from './policyCases.ts';
import type { Collection, KeeperPolicy } from './policySchema.ts';
import { formatWhy, mismatches } from './policyTestCommand.ts';

const collections: Collection[] = [{ CollectionId: 'col-apt', Name: 'APT', Type: 'Application', Members: [{ Path: '/usr/bin/apt' }] }];
const policy = (id: string, controls: KeeperPolicy['Actions']['OnSuccess']['Controls'], extension?: KeeperPolicy['Extension']): KeeperPolicy => ({
  PolicyName: id,
  PolicyType: 'PrivilegeElevation',
  PolicyId: id,
  Status: 'enforce',
  Operator: 'And',
  UserCheck: ['*'],
  MachineCheck: ['*'],
  ApplicationCheck: ['col-apt'],
  Actions: { OnSuccess: { Controls: controls }, OnFailure: { Command: '' } },
  ...(extension ? { Extension: extension } : {}),
});
const set = new PolicySet([policy('pol-justify', ['JUSTIFY'], { AllowArguments: [['update']] })], collections, 'linux');
const run = (yaml: string) => {
  const [c] = parseCaseFile('c.yaml', yaml);
  return { c: c!, why: explain(set, toEvaluationRequest(c!, new Date()), { defaultOutcome: 'deny' }) };
};

describe('policy test verdicts', () => {
  it('passes a case whose outcome, controls and deciding policies all agree', () => {
    const { c, why } = run(
      '- { name: a, request: { user: u, path: /usr/bin/apt, arguments: [update] }, expect: { outcome: controls, controls: [JUSTIFY], deciding: [pol-justify] } }',
    );
    expect(mismatches(c, why.decision)).toEqual([]);
  });

  it('reports each field that differs', () => {
    const { c, why } = run(
      '- { name: a, request: { user: u, path: /usr/bin/apt, arguments: [upgrade] }, expect: { outcome: controls, controls: [JUSTIFY], deciding: [pol-justify] } }',
    );
    expect(mismatches(c, why.decision)).toEqual([
      'outcome: expected controls, got deny',
      'controls: expected [JUSTIFY], got []',
      'deciding: expected [pol-justify], got []',
    ]);
  });

  it('explains a failure with each policy and the check that failed', () => {
    const { why } = run('- { name: a, request: { user: u, path: /usr/bin/apt, arguments: [upgrade] }, expect: { outcome: allow } }');
    expect(formatWhy(why)).toBe(
      [
        '    decision: deny (No policy allows this action.)',
        '    no match: pol-justify "pol-justify" [JUSTIFY]',
        '      AllowArguments failed: needs ["update"]; request has ["upgrade"]',
      ].join('\n'),
    );
  });

  it('matches a hash-based rule only when the case gives the hash (nothing is read from disk)', () => {
    const hash = 'ab'.repeat(32);
    const hashed = new PolicySet(
      [{ ...policy('pol-deny-hash', ['DENY']), ApplicationCheck: ['col-hash'] }],
      [{ CollectionId: 'col-hash', Name: 'Known tool', Type: 'Application', Members: [{ Sha256: hash }] }],
      'linux',
    );
    const outcome = (sha256?: string) => {
      const [c] = parseCaseFile('c.json', JSON.stringify([{ name: 'a', request: { user: 'u', path: '/opt/tool', sha256 }, expect: { outcome: 'deny' } }]));
      return explain(hashed, toEvaluationRequest(c!, new Date()), { defaultOutcome: 'allow' }).decision.outcome;
    };
    expect(outcome(hash.toUpperCase())).toBe('deny');
    expect(outcome()).toBe('allow');
  });
});
