import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyDirectory } from '../../apps/agent-service/src/policy/policyLoader.ts';
import { policyPaths, readSyncState } from '../../apps/agent-service/src/fleet/policySync.ts';
import { runCli } from '../../apps/fleet-server/src/cli/commands.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { POLICY_APPROVAL, createFleetFixture, until, type FleetFixture } from './support/fleetHarness.ts';

let fx: FleetFixture;
let server: RunningFleetServer;

beforeAll(async () => {
  fx = await createFleetFixture();
  server = await fx.start();
  process.env.KEEPER_FLEET_DATABASE_URL = fx.databaseUrl;
});
afterAll(async () => {
  delete process.env.KEEPER_FLEET_DATABASE_URL;
  await fx.drop();
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function policyFolder(files: Record<string, unknown>, jobs: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'keeper-push-'));
  for (const [name, json] of Object.entries(files)) writeFileSync(join(dir, name), typeof json === 'string' ? json : JSON.stringify(json));
  if (Object.keys(jobs).length > 0) {
    mkdirSync(join(dir, 'jobs'));
    for (const [name, json] of Object.entries(jobs)) writeFileSync(join(dir, 'jobs', name), JSON.stringify(json));
  }
  return dir;
}

const collections = { Collections: [{ CollectionId: 'c-admins', Type: 'User', Members: [{ Name: 'keeper-alice' }] }] };

describe('policies by deployment group', () => {
  it('pushes a validated set; a registered agent gets it live and keeps it on disk when the server is away', async () => {
    const { dataDir } = await fx.register(server, 'pilot', 'synced');
    const client = fx.client(dataDir);
    client.start();
    await until(() => (client.isOnline ? true : undefined));
    const pushed = await cli('policy', 'push', '--group', 'pilot', policyFolder({ 'approval.json': POLICY_APPROVAL, 'collections.json': collections }));
    expect(pushed).toMatchObject({ code: 0 });
    expect(pushed.out).toContain('policy version 1');
    await until(() => (readSyncState(dataDir)?.version === 1 ? true : undefined), 5_000, 'sync of v1');
    const onDisk = loadPolicyDirectory(policyPaths(dataDir).policies);
    expect(onDisk.errors).toEqual([]);
    expect(onDisk.policies.map((p) => p.PolicyId)).toEqual(['p-approval']);
    expect(onDisk.collections.map((c) => c.CollectionId)).toEqual(['c-admins']);
    expect(client.status).toMatchObject({ group: 'pilot', policyVersion: 1, online: true });

    await cli('policy', 'push', '--group', 'pilot', policyFolder({ 'approval.json': { ...POLICY_APPROVAL, Status: 'monitor' } }));
    await until(() => (readSyncState(dataDir)?.version === 2 ? true : undefined), 5_000, 'live sync of v2');
    expect(JSON.parse(readFileSync(join(policyPaths(dataDir).policies, 'approval.json'), 'utf8'))).toMatchObject({ Status: 'monitor' });

    // Another group's push does not reach this machine.
    await cli('policy', 'push', '--group', 'other', policyFolder({ 'x.json': { ...POLICY_APPROVAL, PolicyId: 'other' } }));
    expect((await client.syncPolicies()).version).toBe(2);
  });

  it('rejects a bad file whole, naming the file and the JSON path, and stores nothing', async () => {
    const bad = policyFolder(
      { 'good.json': POLICY_APPROVAL, 'bad.json': [{ ...POLICY_APPROVAL, PolicyId: 'p2', Actions: { OnSuccess: { Controls: ['APPROVE'] } } }] },
      { 'job.json': { id: 'j1', tasks: 'not tasks' } },
    );
    const result = await cli('policy', 'push', '--group', 'strict', bad);
    expect(result.code).toBe(1);
    expect(result.err).toContain('bad.json at [0].Actions.OnSuccess.Controls[0]');
    expect(result.err).toMatch(/jobs\/job\.json/);
    expect(result.err).toContain('nothing was pushed');
    const { rows } = await fx.admin.query("SELECT 1 FROM policy_sets WHERE group_name = 'strict'");
    expect(rows).toHaveLength(0);
  });

  it('refuses group names shaped like SQL with a clear error', async () => {
    const result = await cli('policy', 'push', '--group', "pilot'; DROP TABLE machines; --", policyFolder({ 'a.json': POLICY_APPROVAL }));
    expect(result.code).toBe(2);
    expect(result.err).toContain('is not a valid deployment group name');
    expect((await fx.admin.query('SELECT count(*) FROM machines')).rowCount).toBe(1);
    expect((await cli('token', 'create', '--group', 'x"; SELECT 1', '--data-dir', join(fx.dataDir, 'server'))).code).toBe(2);
  });

  it("creates a one-time token from the CLI that pins this server's CA", async () => {
    const result = await cli('token', 'create', '--group', 'cli-group', '--expires', '2h', '--data-dir', join(fx.dataDir, 'server'));
    expect(result.code).toBe(0);
    expect(result.out).toMatch(new RegExp(`^kf1\\.[A-Za-z0-9_-]{43}\\.${server.ca.fingerprint}$`));
    expect(result.err).toContain('cli-group');
    expect((await cli('token', 'create', '--group', 'g', '--expires', 'soon')).err).toContain('is not a duration');
  });
});
