import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPolicyDirectory, watchPolicyDirectory } from './policyLoader.ts';

const good = (id: string, controls = ['ALLOW']) => ({
  PolicyName: `Policy ${id}`,
  PolicyId: id,
  PolicyType: 'PrivilegeElevation',
  Status: 'enforce',
  UserCheck: ['*'],
  MachineCheck: ['*'],
  ApplicationCheck: ['*'],
  Actions: { OnSuccess: { Controls: controls }, OnFailure: { Command: '' } },
});

describe('loading the policies folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kp-policies-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, value: unknown) => writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));

  it('loads single policies, arrays of policies and collections documents', () => {
    write('a.json', good('pol-a'));
    write('b.json', [good('pol-b'), good('pol-c', ['JUSTIFY'])]);
    write('collections.json', { Collections: [{ CollectionId: 'col-x', Type: 'User', Members: [{ Name: 'ana' }] }] });
    write('notes.txt', 'ignored');
    const load = loadPolicyDirectory(dir);
    expect(load.errors).toEqual([]);
    expect(load.policies.map((p) => p.PolicyId)).toEqual(['pol-a', 'pol-b', 'pol-c']);
    expect(load.collections.map((c) => c.CollectionId)).toEqual(['col-x']);
    expect(load.files).toBe(3);
  });

  it('reports a bad file by name and JSON path, and still loads the others', () => {
    write('a.json', good('pol-a'));
    const bad = [good('pol-b'), good('pol-c')];
    bad[1]!.Actions.OnSuccess.Controls[0] = 'ALLOWW';
    write('b.json', bad);
    write('c.json', '{ "PolicyName": ');
    const load = loadPolicyDirectory(dir);
    expect(load.policies.map((p) => p.PolicyId)).toEqual(['pol-a']);
    expect(load.errors).toHaveLength(2);
    expect(load.errors[0]).toMatchObject({ file: 'b.json', path: '[1].Actions.OnSuccess.Controls[0]' });
    expect(load.errors[0]!.message).toMatch(/ALLOW/);
    expect(load.errors[1]).toMatchObject({ file: 'c.json', path: '' });
    expect(load.errors[1]!.message).toMatch(/not valid JSON/);
  });

  it('validates Extension.ApprovalQuorum at load: a whole number from 1 to 10, named by file and JSON path', () => {
    const withQuorum = (id: string, quorum: unknown) => ({ ...good(id, ['APPROVAL']), Extension: { ApprovalQuorum: quorum } });
    write('ok.json', [withQuorum('pol-two', 2), withQuorum('pol-ten', 10)]);
    write('zero.json', withQuorum('pol-zero', 0));
    write('half.json', [good('pol-a'), withQuorum('pol-half', 1.5)]);
    write('many.json', withQuorum('pol-many', 11));
    write('text.json', withQuorum('pol-text', '2'));
    const load = loadPolicyDirectory(dir);
    expect(load.policies.map((p) => [p.PolicyId, p.Extension?.ApprovalQuorum])).toEqual([
      ['pol-two', 2],
      ['pol-ten', 10],
    ]);
    const byFile = Object.fromEntries(load.errors.map((e) => [e.file, e]));
    expect(byFile['zero.json']).toMatchObject({
      path: 'Extension.ApprovalQuorum',
      message: expect.stringContaining('a whole number of approvers from 1 to 10') as unknown,
    });
    expect(byFile['half.json']).toMatchObject({
      path: '[1].Extension.ApprovalQuorum',
      message: expect.stringContaining('a whole number of approvers from 1 to 10') as unknown,
    });
    expect(byFile['many.json']).toMatchObject({ path: 'Extension.ApprovalQuorum', message: expect.stringContaining('at most 10 approvers') as unknown });
    expect(byFile['text.json']).toMatchObject({
      path: 'Extension.ApprovalQuorum',
      message: expect.stringContaining('a whole number of approvers from 1 to 10') as unknown,
    });
  });

  it('refuses a second definition of the same policy id', () => {
    write('a.json', good('pol-a'));
    write('b.json', good('pol-a'));
    const load = loadPolicyDirectory(dir);
    expect(load.policies).toHaveLength(1);
    expect(load.errors[0]).toMatchObject({ file: 'b.json', message: 'policy pol-a is already defined in a.json' });
  });

  it('reports a missing folder instead of throwing', () => {
    const load = loadPolicyDirectory(join(dir, 'missing'));
    expect(load.policies).toEqual([]);
    expect(load.errors[0]!.message).toMatch(/cannot read the policies folder/);
  });

  it('notices changes to the folder', async () => {
    let changes = 0;
    const watcher = watchPolicyDirectory(dir, () => changes++, 20);
    write('a.json', good('pol-a'));
    await expect.poll(() => changes, { timeout: 2_000 }).toBeGreaterThan(0);
    watcher.close();
  });
});
