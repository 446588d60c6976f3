import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentPermissionsRequest,
  AgentSetLogLevel,
  AgentStatusRequest,
  ElevationHistory,
  ElevationRequest,
  ElevationRun,
  GrantsList,
  GrantsRevoke,
  PromptRespond,
  PromptShowNotification,
} from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, runAgent } from '../support/agentProcess.ts';
import { callAs } from '../support/callAs.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, settledState } from '../support/policyFixtures.ts';

const SESSION_MINUTES = 30;

describe('elevated-session grants, request history and the log level switch, against the real agent', () => {
  const sandbox = policyAgentSandbox();
  let client: AgentClient;
  let prompts = 0;
  const ask = (executable: string, args: string[] = [], runAs?: string) =>
    client.request(ElevationRequest, { executable, arguments: args, cwd: '/', ...(runAs ? { runAs: { user: runAs } } : {}) });
  const auditTypes = (types: string[]) => {
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    const rows = db
      .prepare(`SELECT type, actor_uid, data_json FROM audit_events WHERE type IN (${types.map(() => '?').join(',')}) ORDER BY seq`)
      .all(...types) as Array<{ type: string; actor_uid: number | null; data_json: string }>;
    db.close();
    return rows.map((r) => ({ type: r.type, actorUid: r.actor_uid, data: JSON.parse(r.data_json) as Record<string, unknown> }));
  };

  beforeAll(async () => {
    await sandbox.start({
      apps: { 'col-env': '/usr/bin/env', 'col-id': '/usr/bin/id', 'col-date': '/usr/bin/date', 'col-true': '/usr/bin/true' },
      policies: [
        appPolicy('session-env', 'col-env', ['JUSTIFY'], { Extension: { ElevatedSession: true } }),
        appPolicy('session-id', 'col-id', ['JUSTIFY'], { Extension: { ElevatedSession: 60 } }),
        appPolicy('justify-date', 'col-date', ['JUSTIFY']),
        appPolicy('allow-true', 'col-true', ['ALLOW']),
      ],
      // `true` grants last 30 minutes here (240 by default); the expiry case skips the agent's clock past them (--time-skip).
      config: { grants: { elevatedSessionMinutes: SESSION_MINUTES } },
      extra: ['--time-skip'],
      openToOtherUsers: true,
    });
    client = await connectClient(sandbox.socket, 'desktop');
    client.onNotification(PromptShowNotification, (prompt) => {
      prompts++;
      void client.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'justification', text: 'Routine maintenance work' } });
    });
  });

  afterAll(async () => {
    client?.close();
    await sandbox.dispose();
  });

  it('a policy with Extension.ElevatedSession grants a session once its controls pass; further requests pass without prompts', async () => {
    const first = await ask('/usr/bin/id', ['-u']);
    expect(first.state).toBe('pending');
    expect((await settledState(client, first.requestId)).state).toBe('allowed');
    const [grant] = (await client.request(GrantsList, undefined)).grants;
    expect(grant).toMatchObject({
      state: 'active',
      policyId: 'session-id',
      application: { path: '/usr/bin/id' },
      runAs: { user: 'root', uid: 0 },
      requestId: first.requestId,
      uses: 0,
    });
    expect(new Date(grant!.expiresAt).getTime() - new Date(grant!.createdAt).getTime()).toBe(60 * 60_000);

    const before = prompts;
    const second = await ask('/usr/bin/id', ['-g']);
    expect(second).toMatchObject({ state: 'allowed', grant: { grantId: grant!.grantId, expiresAt: grant!.expiresAt } });
    expect(second.decision.reason).toContain('Elevated session from policy "Policy session-id"');
    expect(prompts).toBe(before);
    await client.request(ElevationRun, { requestId: second.requestId });
    expect((await client.request(GrantsList, undefined)).grants[0]?.uses).toBe(1);
    expect(auditTypes(['grant.created', 'grant.used'])).toEqual([
      { type: 'grant.created', actorUid: 0, data: expect.objectContaining({ grantId: grant!.grantId, policyId: 'session-id', runAsUid: 0 }) as unknown },
      { type: 'grant.used', actorUid: 0, data: { grantId: grant!.grantId } },
    ]);
  });

  it('covers only its user, program and identity: another target, another program or a policy without the extension still prompt', async () => {
    const asNobody = await ask('/usr/bin/id', [], 'nobody');
    expect(asNobody.state).toBe('pending');
    expect((await settledState(client, asNobody.requestId)).state).toBe('allowed');
    const date = await ask('/usr/bin/date');
    expect(date.state).toBe('pending');
    await settledState(client, date.requestId);
    expect((await client.request(GrantsList, undefined)).grants.map((g) => [g.policyId, g.runAs.user])).toEqual([
      ['session-id', 'nobody'],
      ['session-id', 'root'],
    ]);
    expect(await callAs(sandbox.socket, 'nobody', 'grants.list', null)).toEqual({ ok: true, result: { grants: [] } });
  });

  it('is revocable by its user only; a revoked session prompts again', async () => {
    const grant = (await client.request(GrantsList, undefined)).grants.find((g) => g.runAs.user === 'root')!;
    expect(await callAs(sandbox.socket, 'nobody', 'grants.revoke', { grantId: grant.grantId })).toMatchObject({ ok: false, code: -33002 });
    expect(await client.request(GrantsRevoke, { grantId: grant.grantId })).toMatchObject({ grantId: grant.grantId, state: 'revoked' });
    await expect(client.request(GrantsRevoke, { grantId: grant.grantId })).rejects.toMatchObject({
      code: -33006,
      message: 'this elevated session already was revoked',
    });
    await expect(client.request(GrantsRevoke, { grantId: '' })).rejects.toMatchObject({ code: -32602 });
    expect((await ask('/usr/bin/id')).state).toBe('pending');
    expect(auditTypes(['grant.revoked'])).toEqual([{ type: 'grant.revoked', actorUid: 0, data: { grantId: grant.grantId, uses: 1 } }]);
  });

  it('expires after the configured length (ElevatedSession: true), audited, and the next request prompts again', async () => {
    const first = await ask('/usr/bin/env');
    expect((await settledState(client, first.requestId)).state).toBe('allowed');
    const grant = (await client.request(GrantsList, undefined)).grants.find((g) => g.policyId === 'session-env')!;
    expect(new Date(grant.expiresAt).getTime() - new Date(grant.createdAt).getTime()).toBe(SESSION_MINUTES * 60_000);
    expect((await ask('/usr/bin/env')).state).toBe('allowed');
    await sandbox.agent.skipTime(SESSION_MINUTES * 60_000);
    await expect
      .poll(async () => (await client.request(GrantsList, { includeEnded: true })).grants.find((g) => g.grantId === grant.grantId)?.state)
      .toBe('expired');
    expect(auditTypes(['grant.expired'])).toEqual([{ type: 'grant.expired', actorUid: null, data: { grantId: grant.grantId, uses: 1 } }]);
    expect((await ask('/usr/bin/env')).state).toBe('pending');
  });

  it('elevation.history lists only the caller’s own requests, newest first, with their decisions', async () => {
    const mine = (await client.request(ElevationHistory, { limit: 200 })).requests;
    expect(mine.length).toBeGreaterThan(5);
    expect(mine.map((r) => r.createdAt)).toEqual([...mine.map((r) => r.createdAt)].sort().reverse());
    const granted = mine.find((r) => r.grantId !== null && r.executable === '/usr/bin/id');
    expect(granted).toMatchObject({ state: 'allowed', commandLine: '/usr/bin/id -g', runAsUser: 'root', policies: ['Policy session-id'], controls: [] });
    expect(granted?.ranAt).not.toBeNull();
    expect(mine.some((r) => r.runAsUser === 'nobody')).toBe(true);

    const theirs = await callAs(sandbox.socket, 'nobody', 'elevation.request', { executable: '/usr/bin/true', arguments: [], cwd: '/' });
    expect(theirs).toMatchObject({ ok: true, result: { state: 'allowed' } });
    const history = await callAs(sandbox.socket, 'nobody', 'elevation.history', null);
    expect(history).toMatchObject({
      ok: true,
      result: { requests: [{ executable: '/usr/bin/true', state: 'allowed', policies: ['Policy allow-true'], grantId: null, ranAt: null }] },
    });
    expect((await client.request(ElevationHistory, undefined)).requests.some((r) => r.executable === '/usr/bin/true')).toBe(false);
    expect((await client.request(ElevationHistory, { limit: 3 })).requests.map((r) => r.requestId)).toEqual(mine.slice(0, 3).map((r) => r.requestId));
    await expect(client.request(ElevationHistory, { limit: 0 })).rejects.toMatchObject({ code: -32602 });
  });

  it('agent.setLogLevel: administrators change the level live (audited); others are refused, and told so by agent.permissions', async () => {
    expect(await client.request(AgentPermissionsRequest, undefined)).toEqual({ roles: ['administrator'], canSetLogLevel: true });
    expect(await callAs(sandbox.socket, 'nobody', 'agent.permissions', null)).toEqual({ ok: true, result: { roles: [], canSetLogLevel: false } });
    expect(await callAs(sandbox.socket, 'nobody', 'agent.setLogLevel', { level: 'Trace' })).toEqual({
      ok: false,
      code: -33001,
      message: 'only administrators may change the log level',
    });
    await expect(client.request(AgentSetLogLevel, { level: 'Verbose' as 'Trace' })).rejects.toMatchObject({ code: -32602 });
    expect((await client.request(AgentStatusRequest, undefined)).logLevel).toBe('Warning');

    expect(sandbox.agent.output()).not.toContain('log level changed');
    expect(await client.request(AgentSetLogLevel, { level: 'Debug' })).toEqual({ level: 'Debug' });
    expect((await client.request(AgentStatusRequest, undefined)).logLevel).toBe('Debug');
    // pino's level changed in the running agent: its own info line now reaches the log.
    await expect.poll(() => sandbox.agent.output(), { timeout: 5_000 }).toContain('log level changed');
    expect(auditTypes(['agent.logLevel', 'agent.logLevel.refused'])).toEqual([
      { type: 'agent.logLevel.refused', actorUid: 65534, data: { level: 'Trace' } },
      { type: 'agent.logLevel', actorUid: 0, data: { from: 'Warning', to: 'Debug' } },
    ]);
  });

  it('refuses an invalid grants section in the config file, naming it', async () => {
    const bad = join(sandbox.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ grants: { elevatedSessionMinutes: -5 } }));
    const { code, stderr } = await runAgent(['--config', bad, '--socket', join(sandbox.dir, 'other.sock'), '--data-dir', sandbox.dataDir]);
    expect(code).toBe(2);
    expect(stderr).toContain('grants.elevatedSessionMinutes');
  });
});
