import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_DIR, runAgent } from '../support/agentProcess.ts';

const SHIPPED = join(PROJECT_DIR, 'resources/policies');
const SHIPPED_CASES = join(PROJECT_DIR, 'tests/integration/policyCases/shipped-defaults.yaml');

describe('keeper-agent policy test: policy as code against the real agent binary', () => {
  const work = mkdtempSync(join(tmpdir(), 'keeper-policy-test-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('passes every documented rule of the shipped policies and exits 0', async () => {
    const result = await runAgent(['policy', 'test', '--policies', SHIPPED, SHIPPED_CASES]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('17 passed, 0 failed (7 policies from');
    expect(result.code).toBe(0);
  });

  it('passes a case for every rule of docs/policy-semantics.md that a case can express', async () => {
    const folder = join(PROJECT_DIR, 'tests/integration/policyCases/semantics');
    const cases = join(PROJECT_DIR, 'tests/integration/policyCases/semantics.yaml');
    const result = await runAgent(['policy', 'test', '--policies', folder, cases]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('43 passed, 0 failed (29 policies from');
    expect(result.code).toBe(0);
  });

  it('exits 1 on a case the policies do not satisfy and prints the why', async () => {
    const cases = join(work, 'wrong.json');
    const request = { user: 'keeper-alice', groups: ['keeper-users'], path: '/usr/bin/apt', arguments: ['install', './tool.deb'] };
    writeFileSync(cases, JSON.stringify([{ name: 'a local .deb is only a justification', request, expect: { outcome: 'controls', controls: ['JUSTIFY'] } }]));
    const result = await runAgent(['policy', 'test', '--policies', SHIPPED, cases]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAIL  a local .deb is only a justification (${cases})`);
    expect(result.stdout).toContain('controls: expected [JUSTIFY], got [APPROVAL]');
    expect(result.stdout).toContain('matched: pol-default-approval "Any other elevation needs approval"');
    expect(result.stdout).toContain('no match: pol-default-package-managers');
    expect(result.stdout).toContain('DenyArguments failed: an argument matches a denied pattern (*.deb); request has ["install","./tool.deb"]');
    expect(result.stdout).toContain('0 passed, 1 failed');
  });

  it('catches a policy edit that breaks a documented rule (the shells policy switched to monitor)', async () => {
    const edited = join(work, 'edited');
    cpSync(SHIPPED, edited, { recursive: true });
    const shells = join(edited, 'deny-root-shells.json');
    writeFileSync(shells, readFileSync(shells, 'utf8').replace('"Status": "enforce"', '"Status": "monitor"'));
    const result = await runAgent(['policy', 'test', '--policies', edited, SHIPPED_CASES]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL  an elevated bash is denied');
    expect(result.stdout).toContain('outcome: expected deny, got controls');
    expect(result.stdout).toContain('3 failed');
  });

  it('exits 2 naming the file and JSON path of a bad case file', async () => {
    const cases = join(work, 'bad.yaml');
    writeFileSync(cases, '- name: typo\n  request: { user: alice, path: /usr/bin/apt }\n  expect: { outcome: allowed }\n');
    const result = await runAgent(['policy', 'test', '--policies', SHIPPED, cases]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${cases} at [0].expect.outcome:`);
    expect(result.stdout).toBe('');
  });

  it('exits 2 naming the file and JSON path of a bad policy file', async () => {
    const broken = join(work, 'broken');
    cpSync(SHIPPED, broken, { recursive: true });
    const approval = join(broken, 'everything-else-approval.json');
    writeFileSync(approval, readFileSync(approval, 'utf8').replace('"APPROVAL", "AUDIT"', '"APPROVE", "AUDIT"'));
    const result = await runAgent(['policy', 'test', '--policies', broken, SHIPPED_CASES]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${approval} at Actions.OnSuccess.Controls[0]:`);
  });

  it('exits 2 on usage mistakes', async () => {
    const noCases = await runAgent(['policy', 'test']);
    expect(noCases.code).toBe(2);
    expect(noCases.stderr).toContain('keeper-agent policy: name at least one case file');
    const unknown = await runAgent(['policy', 'frobnicate', SHIPPED_CASES]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Usage: keeper-agent policy test');
  });
});
