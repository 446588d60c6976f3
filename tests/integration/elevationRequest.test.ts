import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusRequest, ElevationRequest } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, makeSandbox, PROJECT_DIR, startAgent } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { policy } from '../support/policyFixtures.ts';

describe('elevation.request against the real agent and policy files', () => {
  const sandbox = policyAgentSandbox();
  const { policiesDir } = sandbox;
  let client: AgentClient;
  const ask = (executable: string, args: string[] = []) => client.request(ElevationRequest, { executable, arguments: args, cwd: '/' });

  beforeAll(async () => {
    await sandbox.start({
      files: {
        'collections.json': {
          Collections: [
            { CollectionId: 'col-id', Type: 'Application', Members: [{ Path: '/usr/bin/id' }] },
            { CollectionId: 'col-true', Type: 'Application', Members: [{ Path: '/usr/bin/true' }] },
            { CollectionId: 'col-me', Type: 'User', Members: [{ Uid: process.getuid!() }] },
          ],
        },
        'allow-id.json': policy('pol-id', ['ALLOW', 'AUDIT'], { ApplicationCheck: ['col-id'], UserCheck: ['col-me'] }),
        'true.json': [
          policy('pol-true-mfa', ['MFA', 'JUSTIFY'], { ApplicationCheck: ['col-true'] }),
          policy('pol-true-monitor', ['DENY'], { ApplicationCheck: ['col-true'], Status: 'monitor' }),
        ],
        'deny-all.json': policy('pol-deny-date', ['DENY'], {
          NotificationMessage: 'Blocked on this machine.',
          ApplicationCheck: ['col-id'],
          DateCheck: [{ StartDate: '2000-01-01', EndDate: '2000-01-02' }],
        }),
      },
    });
    client = await connectClient(sandbox.socket);
  });

  afterAll(async () => {
    client?.close();
    await sandbox.dispose();
  });

  it('reports the loaded policies in agent.status', async () => {
    const status = await client.request(AgentStatusRequest, undefined);
    expect(status.policies).toMatchObject({ active: 4, collections: 3, files: 4, errors: [] });
    expect(status.plugins.find((p) => p.name === 'KeeperPolicy')?.state).toBe('Healthy');
  });

  it('allows silently under an ALLOW policy scoped to the caller, identified by the kernel', async () => {
    const result = await ask('/usr/bin/id', ['-u']);
    expect(result.state).toBe('allowed');
    expect(result.decision.deciding).toEqual(['pol-id']);
    expect(result.application.commandLine).toBe('/usr/bin/id -u');
    expect(result.application.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('returns ordered controls and what monitor policies would have done', async () => {
    const result = await ask('/usr/bin/true');
    expect(result.state).toBe('pending');
    expect(result.decision.controls).toEqual(['MFA', 'JUSTIFY']);
    expect(result.decision.monitored).toEqual([expect.objectContaining({ policyId: 'pol-true-monitor', wouldBe: 'deny' })]);
  });

  it('denies by default when no policy matches', async () => {
    const result = await ask('/usr/bin/env');
    expect(result.state).toBe('denied');
    expect(result.decision.reason).toBe('No policy allows this action.');
  });

  it('refuses a relative path or a missing file with a clear error', async () => {
    await expect(ask('id')).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('an absolute path') as unknown });
    await expect(ask('/nonexistent/tool')).rejects.toMatchObject({ code: -33002, message: '/nonexistent/tool is not a readable file' });
  });

  it('stores every decision with an audit event in SQLite', () => {
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    const rows = db.prepare('SELECT state, executable FROM elevation_requests ORDER BY created_at').all();
    const events = db.prepare("SELECT type, request_id FROM audit_events WHERE type = 'elevation.decided'").all() as Array<{ request_id: string }>;
    db.close();
    // The pending request's JUSTIFY could not be shown (no desktop session here), so it ended denied.
    expect(rows).toEqual(
      expect.arrayContaining([
        { state: 'allowed', executable: '/usr/bin/id' },
        { state: 'denied', executable: '/usr/bin/true' },
        { state: 'denied', executable: '/usr/bin/env' },
      ]),
    );
    expect(events.length).toBe(rows.length);
  });

  it('reloads when a policy file changes, and reports a bad file without dropping the others', async () => {
    writeFileSync(join(policiesDir, 'env.json'), JSON.stringify(policy('pol-env', ['ALLOW'])));
    writeFileSync(join(policiesDir, 'broken.json'), JSON.stringify(policy('pol-broken', ['SOMETIMES'])));
    await expect.poll(async () => (await client.request(AgentStatusRequest, undefined)).policies.errors.length, { timeout: 5_000 }).toBe(1);
    const status = await client.request(AgentStatusRequest, undefined);
    expect(status.policies.errors[0]).toMatchObject({ file: 'broken.json', path: 'Actions.OnSuccess.Controls[0]' });
    expect(status.plugins.find((p) => p.name === 'KeeperPolicy')).toMatchObject({ state: 'Unhealthy', detail: '1 problem in policy files' });
    expect((await ask('/usr/bin/env')).state).toBe('allowed');
    rmSync(join(policiesDir, 'env.json'));
    rmSync(join(policiesDir, 'broken.json'));
    await expect.poll(async () => (await ask('/usr/bin/env')).state, { timeout: 5_000 }).toBe('denied');
  });

  it('rejects a file that combines ALLOW or DENY with a prompt, names it in agent.status and the log, and keeps the others', async () => {
    writeFileSync(join(policiesDir, 'allow-mfa.json'), JSON.stringify([policy('pol-env-audit', ['ALLOW', 'AUDIT']), policy('pol-env-mfa', ['ALLOW', 'MFA'])]));
    await expect.poll(async () => (await client.request(AgentStatusRequest, undefined)).policies.errors.length, { timeout: 5_000 }).toBe(1);
    const status = await client.request(AgentStatusRequest, undefined);
    const message = 'ALLOW decides the outcome on its own and cannot be combined with MFA (only AUDIT and RECORD may go with it)';
    expect(status.policies.errors).toEqual([{ file: 'allow-mfa.json', path: '[1].Actions.OnSuccess.Controls[1]', message }]);
    expect(status.plugins.find((p) => p.name === 'KeeperPolicy')).toMatchObject({ state: 'Unhealthy', detail: '1 problem in policy files' });
    expect(sandbox.agent.output()).toContain(`policy file rejected: ${message}`);
    // The whole file is rejected (its ALLOW too); the other files still decide.
    expect((await ask('/usr/bin/env')).decision.reasonDetail).toMatchObject({ code: 'default-deny' });
    expect((await ask('/usr/bin/id')).state).toBe('allowed');
    rmSync(join(policiesDir, 'allow-mfa.json'));
    await expect.poll(async () => (await client.request(AgentStatusRequest, undefined)).policies.errors.length, { timeout: 5_000 }).toBe(0);
  });

  it('applies the embedded default policies when none are given', async () => {
    const other = makeSandbox();
    const defaults = await startAgent({ socket: other.socket, dataDir: other.dataDir });
    const c = await connectClient(other.socket);
    try {
      const status = await c.request(AgentStatusRequest, undefined);
      expect(status.policies.errors).toEqual([]);
      expect(status.policies.active).toBeGreaterThan(0);
      const shell = await c.request(ElevationRequest, { executable: '/bin/bash', arguments: [], cwd: '/' });
      expect(shell.state).toBe('denied');
      expect(shell.decision.reason).toContain('elevated shell');
      // root is not in keeper-users, the only people the defaults take requests from (README, "Default policies").
      const apt = await c.request(ElevationRequest, { executable: '/usr/bin/apt-get', arguments: ['install', 'htop'], cwd: '/' });
      expect(apt.decision).toMatchObject({ outcome: 'deny', reasonDetail: { code: 'default-deny' } });
    } finally {
      c.close();
      await defaults.stop();
      other.cleanup();
    }
    expect(PROJECT_DIR).toBeTruthy();
  });
});
