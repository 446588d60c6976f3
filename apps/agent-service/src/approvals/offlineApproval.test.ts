import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPolicyDirectory } from '../policy/policyLoader.ts';
import type { KeeperPolicy } from '../policy/policySchema.ts';
import { allowsOfflineApproval, loadOfflineKey, newOfflineKey, OfflineKeyError, offlineKeyPath, saveOfflineKey } from './offlineApproval.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keeper-offline-'));
  mkdirSync(join(dir, 'fleet'), { mode: 0o700 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const policy = (id: string, controls: string[], extension?: Record<string, unknown>) => ({
  PolicyName: id,
  PolicyType: 'PrivilegeElevation',
  PolicyId: id,
  Status: 'enforce',
  Actions: { OnSuccess: { Controls: controls } },
  ...(extension ? { Extension: extension } : {}),
});

describe('offline approval: policy, key file', () => {
  it('validates Extension.OfflineApproval at load (true or false), named by file and JSON path', () => {
    const policies = join(dir, 'policies');
    mkdirSync(policies);
    writeFileSync(
      join(policies, 'ok.json'),
      JSON.stringify([policy('pol-on', ['APPROVAL'], { OfflineApproval: true }), policy('pol-off', ['APPROVAL'], { OfflineApproval: false })]),
    );
    writeFileSync(join(policies, 'text.json'), JSON.stringify(policy('pol-text', ['APPROVAL'], { OfflineApproval: 'yes' })));
    const load = loadPolicyDirectory(policies);
    expect(load.policies.map((p) => [p.PolicyId, p.Extension?.OfflineApproval])).toEqual([
      ['pol-on', true],
      ['pol-off', false],
    ]);
    expect(load.errors).toEqual([
      expect.objectContaining({ file: 'text.json', path: 'Extension.OfflineApproval', message: expect.stringContaining('true or false') as unknown }),
    ]);
  });

  it('applies only when every deciding policy that asks for APPROVAL allows it, with one approver', () => {
    const p = (controls: string[], extension?: Record<string, unknown>) => policy('p', controls, extension) as unknown as KeeperPolicy;
    expect(allowsOfflineApproval([p(['APPROVAL'], { OfflineApproval: true })])).toBe(true);
    expect(allowsOfflineApproval([p(['APPROVAL'], { OfflineApproval: true }), p(['JUSTIFY'])])).toBe(true);
    expect(allowsOfflineApproval([p(['APPROVAL'], { OfflineApproval: true }), p(['APPROVAL'])])).toBe(false);
    expect(allowsOfflineApproval([p(['APPROVAL'], { OfflineApproval: true, ApprovalQuorum: 2 })])).toBe(false);
    expect(allowsOfflineApproval([p(['JUSTIFY'], { OfflineApproval: true })])).toBe(false);
    expect(allowsOfflineApproval([])).toBe(false);
  });

  it("loads a key that is the agent's and private; refuses one others can read, a link, a bad one; none is null", () => {
    expect(loadOfflineKey(dir)).toBeNull();
    const key = newOfflineKey();
    saveOfflineKey(dir, key, 'machine-a');
    expect(loadOfflineKey(dir)).toEqual({ key: Buffer.from(key, 'base64url'), machine: 'machine-a' });
    chmodSync(offlineKeyPath(dir), 0o640);
    expect(() => loadOfflineKey(dir)).toThrow(OfflineKeyError);
    chmodSync(offlineKeyPath(dir), 0o600);
    expect(() => loadOfflineKey(dir, 12345)).toThrow(/must belong to the agent's user/);
    rmSync(offlineKeyPath(dir));
    writeFileSync(join(dir, 'elsewhere'), JSON.stringify({ key, machine: 'm' }), { mode: 0o600 });
    symlinkSync(join(dir, 'elsewhere'), offlineKeyPath(dir));
    expect(() => loadOfflineKey(dir)).toThrow(OfflineKeyError);
    rmSync(offlineKeyPath(dir));
    writeFileSync(offlineKeyPath(dir), JSON.stringify({ key: 'c2hvcnQ', machine: 'm' }), { mode: 0o600 });
    expect(() => loadOfflineKey(dir)).toThrow(/32-byte key/);
  });
});
