import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ElevationExited,
  ElevationRequest,
  ElevationUpdated,
  PromptClosedNotification,
  PromptShowNotification,
} from '../../shared/protocol/src/common/index.ts';
import { connectClient } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';

/**
 * The shutdown order of docs/architecture.md ("Composition and shutdown"), seen from outside: the
 * agent's features are released in reverse order of registration, so an open flow ends while its
 * clients are still connected, the stop's checkpoint comes after the flow settled, and only then
 * does the socket close.
 */
describe('stopping with a flow open (real agent, real socket)', () => {
  const sandbox = policyAgentSandbox();

  afterAll(() => sandbox.dispose());

  it('closes the open prompt with agentStopping and settles the request before dropping its clients; the checkpoint comes last', async () => {
    await sandbox.start({ apps: { 'col-true': '/usr/bin/true' }, policies: [appPolicy('pol-true', 'col-true', ['JUSTIFY'])] });
    const requester = await connectClient(sandbox.socket, 'cli');
    const desktop = await connectClient(sandbox.socket, 'desktop');
    const seen: string[] = [];
    desktop.onNotification(PromptShowNotification, () => seen.push('desktop: prompt shown'));
    desktop.onNotification(PromptClosedNotification, (closed) => seen.push(`desktop: prompt closed (${closed.reason})`));
    desktop.onClose(() => seen.push('desktop: disconnected'));
    requester.onNotification(ElevationUpdated, (update) => {
      if (update.state !== 'pending') seen.push('requester: request settled');
    });
    requester.onClose(() => seen.push('requester: disconnected'));

    const { requestId, state } = await requester.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: '/' });
    expect(state).toBe('pending');
    await expect.poll(() => seen, { timeout: 5_000 }).toContain('desktop: prompt shown');

    expect(await sandbox.agent.stop()).toBe(0);
    await expect.poll(() => seen.includes('desktop: disconnected') && seen.includes('requester: disconnected'), { timeout: 5_000 }).toBe(true);
    expect(seen.indexOf('desktop: prompt closed (agentStopping)')).toBeGreaterThan(seen.indexOf('desktop: prompt shown'));
    expect(seen.indexOf('desktop: prompt closed (agentStopping)')).toBeLessThan(seen.indexOf('desktop: disconnected'));
    expect(seen.indexOf('requester: request settled')).toBeGreaterThan(-1);
    expect(seen.indexOf('requester: request settled')).toBeLessThan(seen.indexOf('requester: disconnected'));

    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    try {
      const events = db.prepare('SELECT type, request_id FROM audit_events ORDER BY seq').all() as Array<{ type: string; request_id: string | null }>;
      expect(events.at(-1)?.type).toBe('audit.checkpoint');
      expect(events.some((event) => event.type === 'elevation.resolved' && event.request_id === requestId)).toBe(true);
    } finally {
      db.close();
    }
  });
});

describe('stopping while an elevated program runs (real agent, real socket)', () => {
  const sandbox = policyAgentSandbox();

  afterAll(() => sandbox.dispose());

  it('ends the program, audits and tells its end before the store closes, and exits at once even if a background child holds the output', async () => {
    const sh = realpathSync('/usr/bin/sh');
    await sandbox.start({ apps: { 'col-sh': sh }, policies: [appPolicy('pol-sh', 'col-sh', ['ALLOW'])] });
    const requester = await connectClient(sandbox.socket, 'cli');
    const exits: Array<{ code: number | null; signal: string | null }> = [];
    requester.onNotification(ElevationExited, ({ code, signal }) => exits.push({ code, signal }));
    // The shell forks sleep (no exec of the last command with a trailing `wait`): sleep keeps the output sockets open.
    const answer = await requester.request(ElevationRequest, { executable: sh, arguments: ['-c', 'sleep 30 & wait'], cwd: '/', run: {} });
    expect(answer.state).toBe('allowed');
    const runId = answer.run?.runId;
    expect(runId).toBeDefined();

    const stopping = Date.now();
    expect(await sandbox.agent.stop()).toBe(0);
    // Before: the agent waited for sleep to end (~30 s), then exited 1 writing to its closed store.
    expect(Date.now() - stopping).toBeLessThan(10_000);
    expect(exits).toEqual([{ code: null, signal: 'SIGTERM' }]);

    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    try {
      const ran = db.prepare("SELECT data_json FROM audit_events WHERE type = 'elevation.ran'").all() as Array<{ data_json: string }>;
      expect(ran.map((row) => JSON.parse(row.data_json) as Record<string, unknown>)).toEqual([
        expect.objectContaining({ runId, code: null, signal: 'SIGTERM', agentStopping: true }),
      ]);
      const events = db.prepare('SELECT type FROM audit_events ORDER BY seq').all() as Array<{ type: string }>;
      expect(events.at(-1)?.type).toBe('audit.checkpoint');
    } finally {
      db.close();
    }
  }, 60_000);
});
