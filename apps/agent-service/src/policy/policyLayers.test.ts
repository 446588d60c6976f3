import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElevationRequestParams } from '../../../../shared/protocol/src/common/index.ts';
import { PolicySet } from './evaluate.ts';
import { explain } from './explain.ts';
import { loadPolicyDirectory } from './policyLoader.ts';
import { decideLayered, layersOf } from './policyLayers.ts';
import type { Collection, KeeperPolicy } from './policySchema.ts';
import type { EvaluationRequest } from './request.ts';
import { policyBuilder } from '../../../../tests/support/keeperPolicy.ts';

const COLLECTIONS: Collection[] = [
  { CollectionId: 'col-aider', Name: 'Aider', Type: 'Application', Members: [{ Path: '*/aider' }] },
  { CollectionId: 'col-apt', Type: 'Application', Members: [{ Path: '/usr/bin/apt*' }] },
  { CollectionId: 'col-interns', Type: 'User', Members: [{ Name: 'ivo' }] },
];
const policy = policyBuilder('layer', 'pol-layer');
const AI_ACCESS = { PolicyType: 'AgenticAiAccess' } as const;
const AI_ELEVATION = { PolicyType: 'AgenticPrivilegeElevation' } as const;

function request(agentic: EvaluationRequest['agentic'], overrides: Partial<EvaluationRequest> = {}): EvaluationRequest {
  return {
    policyType: 'PrivilegeElevation',
    user: { uid: 1000, name: 'ana', groups: ['ana'], home: '/home/ana' },
    machine: { name: 'lap-17' },
    application: { path: '/usr/bin/apt-get', sha256: null, signer: null, commandLine: '/usr/bin/apt-get install htop' },
    agentic,
    at: new Date(2026, 10, 23, 10, 30),
    ...overrides,
  };
}
const byClaude = request({ parentProcess: '/opt/claude/bin/claude', aiLikelihoodPercent: 95 });
const byAider = request({ parentProcess: '/home/ana/.local/bin/aider', aiLikelihoodPercent: 95 });
const byHand = request(null);

const decideWith = (policies: KeeperPolicy[], req: EvaluationRequest) =>
  decideLayered(new PolicySet(policies, COLLECTIONS, 'linux'), req, { defaultOutcome: 'deny' });

describe('agentic policy types (docs/policy-semantics.md, 5.4)', () => {
  it('Agentic AI Access and Agentic Privilege Elevation policies load', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kp-layers-'));
    try {
      const file = (id: string, type: string, controls: string[], extension?: object) => ({
        PolicyName: id,
        PolicyId: id,
        PolicyType: type,
        Status: 'enforce',
        Actions: { OnSuccess: { Controls: controls } },
        ...(extension ? { Extension: extension } : {}),
      });
      writeFileSync(
        join(dir, 'agentic.json'),
        JSON.stringify([
          file('ai-access', 'AgenticAiAccess', ['DENY'], { SubProcessCheck: ['*/aider'] }),
          file('ai-elevation', 'AgenticPrivilegeElevation', ['OPERATORAPPROVAL', 'AUDIT'], { minAiLikelihoodPercent: 80 }),
        ]),
      );
      const load = loadPolicyDirectory(dir);
      expect(load.errors).toEqual([]);
      expect(load.policies.map((p) => p.PolicyType)).toEqual(['AgenticAiAccess', 'AgenticPrivilegeElevation']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a request typed by hand is decided by its own type only; an agentic one by AI Access, then Agentic Privilege Elevation, then its own', () => {
    expect(layersOf(byHand).map((l) => l.type)).toEqual(['PrivilegeElevation']);
    expect(layersOf(byClaude).map((l) => l.type)).toEqual(['AgenticAiAccess', 'AgenticPrivilegeElevation', 'PrivilegeElevation']);
    expect(layersOf(request(byClaude.agentic, { policyType: 'AgenticAccess' })).map((l) => l.type)).toEqual(['AgenticAiAccess', 'AgenticAccess']);
    // AI Access is about the agent's own program, not the one it wants to run.
    expect(layersOf(byClaude)[0]!.request.application).toMatchObject({ path: '/opt/claude/bin/claude', commandLine: '/opt/claude/bin/claude' });
  });

  it('Agentic AI Access: a DENY naming an agent program blocks everything that agent asks, and nothing else', () => {
    const policies = [
      policy(['DENY'], { ...AI_ACCESS, PolicyId: 'no-aider', ApplicationCheck: ['col-aider'], NotificationMessage: 'Aider may not act here.' }),
      policy(['ALLOW'], { ApplicationCheck: ['col-apt'] }),
    ];
    const aider = decideWith(policies, byAider).decision;
    expect(aider).toMatchObject({ outcome: 'deny', reason: 'Aider may not act here.', deciding: ['no-aider'] });
    expect(decideWith(policies, request(byAider.agentic, { policyType: 'AgenticAccess' })).decision.outcome).toBe('deny');
    expect(decideWith(policies, byClaude).decision.outcome).toBe('allow');
    expect(decideWith(policies, byHand).decision.outcome).toBe('allow');
  });

  it('Agentic Privilege Elevation stacks its prompts on what the user would get by hand, in precedence order', () => {
    const policies = [
      policy(['JUSTIFY'], { PolicyId: 'by-hand', ApplicationCheck: ['col-apt'] }),
      policy(['OPERATORAPPROVAL'], { ...AI_ELEVATION, PolicyId: 'agent', Extension: { minAiLikelihoodPercent: 90 } }),
    ];
    const { decision, agenticGate } = decideWith(policies, byClaude);
    expect(decision).toMatchObject({ outcome: 'controls', controls: ['OPERATORAPPROVAL', 'JUSTIFY'], deciding: ['agent', 'by-hand'] });
    expect(agenticGate).toBe(true);
    // Below the threshold, or typed by hand: only the user's own policy.
    const low = decideWith(policies, request({ parentProcess: '/usr/bin/node', aiLikelihoodPercent: 40 }));
    expect(low.decision.controls).toEqual(['JUSTIFY']);
    expect(low.agenticGate).toBe(false);
    expect(decideWith(policies, byHand).decision.controls).toEqual(['JUSTIFY']);
  });

  it("an agentic ALLOW never widens: the user's own default deny still holds", () => {
    const policies = [policy(['ALLOW'], AI_ELEVATION), policy(['ALLOW'], AI_ACCESS)];
    const { decision, agenticGate } = decideWith(policies, byClaude);
    expect(decision).toMatchObject({ outcome: 'deny', reasonDetail: { code: 'default-deny' } });
    expect(agenticGate).toBe(false);
  });

  it('a specific trusted-tool ALLOW of the user does not hide a broad agentic prompt (each type has its own tiers)', () => {
    const policies = [
      policy(['ALLOW'], { ApplicationCheck: ['col-apt'], UserCheck: ['col-interns', '*'] }),
      policy(['ALLOW'], { ApplicationCheck: ['col-apt'] }),
      policy(['MFA'], AI_ELEVATION),
    ];
    expect(decideWith(policies, byClaude).decision.controls).toEqual(['MFA']);
  });

  it("a DENY of the user's own type still wins over an agentic ALLOW, and APPROVAL from one layer absorbs JUSTIFY from another", () => {
    expect(decideWith([policy(['DENY'], { ApplicationCheck: ['col-apt'] }), policy(['ALLOW'], AI_ELEVATION)], byClaude).decision.outcome).toBe('deny');
    const merged = decideWith([policy(['APPROVAL'], { ApplicationCheck: ['col-apt'] }), policy(['JUSTIFY'], AI_ELEVATION)], byClaude).decision;
    expect(merged).toMatchObject({ controls: ['APPROVAL'], justificationWithApproval: true });
  });

  it('monitor-mode agentic policies record what they would do and never block', () => {
    const { decision } = decideWith(
      [policy(['ALLOW'], { ApplicationCheck: ['col-apt'] }), policy(['DENY'], { ...AI_ACCESS, PolicyId: 'watch' }, 'monitor')],
      byClaude,
    );
    expect(decision.outcome).toBe('allow');
    expect(decision.monitored).toMatchObject([{ policyId: 'watch', wouldBe: 'deny' }]);
  });

  it('the "why" view gives the same decision and lists the agentic policies with their type', () => {
    const policies = [
      policy(['JUSTIFY'], { ApplicationCheck: ['col-apt'] }),
      policy(['OPERATORAPPROVAL'], AI_ELEVATION),
      policy(['DENY'], { ...AI_ACCESS, ApplicationCheck: ['col-aider'] }),
    ];
    const set = new PolicySet(policies, COLLECTIONS, 'linux');
    for (const req of [byClaude, byAider, byHand]) {
      const why = explain(set, req, { defaultOutcome: 'deny' });
      expect(why.decision).toEqual(decideLayered(set, req, { defaultOutcome: 'deny' }).decision);
    }
    const why = explain(set, byAider, { defaultOutcome: 'deny' });
    expect(why.policies.find((p) => p.policyType === 'AgenticAiAccess')).toMatchObject({
      matched: true,
      checks: [{ check: 'ApplicationCheck', passed: true, actual: '/home/ana/.local/bin/aider', required: ['Aider'] }],
    });
    expect(explain(set, byHand, { defaultOutcome: 'deny' }).policies.map((p) => p.policyType)).toEqual(['PrivilegeElevation']);
  });

  it('a caller cannot ask for the agentic types itself: the agent applies them', () => {
    const base = { executable: '/usr/bin/apt-get', arguments: [], cwd: '/' };
    expect(ElevationRequestParams.safeParse({ ...base, policyType: 'AgenticPrivilegeElevation' }).success).toBe(false);
    expect(ElevationRequestParams.safeParse({ ...base, policyType: 'AgenticAiAccess' }).success).toBe(false);
    expect(ElevationRequestParams.parse({ ...base, policyType: 'AgenticAccess' }).policyType).toBe('AgenticAccess');
  });
});
