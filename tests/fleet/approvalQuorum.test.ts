import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusRequest, type Approval } from '../../shared/protocol/src/common/index.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { pushPolicies } from '../../apps/fleet-server/src/services/policies.ts';
import { connectClient, makeSandbox, PROJECT_DIR, runAgent, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { callAs, type CallOutcome } from '../support/callAs.ts';
import { rootDesktopFixture } from '../support/desktopSessions.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { startRequester } from '../support/requesterProcess.ts';
import { createFleetFixture, until, type FleetFixture } from './support/fleetHarness.ts';

/**
 * A quorum of two in a fleet, with real agents: keeper-alice asks on A (instance 1); keeper-bob
 * approves through B's agent (instance 2) and daemon through A's own agent (instance 1), so the two
 * votes arrive on different agents and different server instances, and only PostgreSQL's row lock
 * orders them.
 */
let fx: FleetFixture;
let s1: RunningFleetServer;
let s2: RunningFleetServer;
const desktops = rootDesktopFixture();
const machines = { a: makeSandbox(), b: makeSandbox() };
let agentA: AgentProcess;
let agentB: AgentProcess;

const JOBS = join(PROJECT_DIR, 'resources/jobs');

async function register(url: string, group: string, dataDir: string, name: string): Promise<{ code: number | null; stderr: string }> {
  const tokenFile = join(dataDir, '..', `${name}.token`);
  writeFileSync(tokenFile, await fx.token(group), { mode: 0o600 });
  return runAgent(['--fleet', url, '--register', `@${tokenFile}`, '--data-dir', dataDir, '--machine-name', name]);
}

async function online(socket: string): Promise<void> {
  await until(
    async () => {
      const client = await connectClient(socket);
      try {
        const status = await client.request(AgentStatusRequest, undefined);
        return status.online && status.policies.active === 1 ? true : undefined;
      } finally {
        client.close();
      }
    },
    20_000,
    "the agent online with the fleet's policies",
  );
}

const decide = (socket: string, user: string, approvalId: string, decision: 'approve' | 'deny'): Promise<CallOutcome> =>
  callAs(socket, user, 'approvals.decide', { approvalId, decision });

const inQueue = (requestId: string): Promise<Approval> =>
  until(
    async () => {
      const answer = await callAs(machines.b.socket, 'keeper-bob', 'approvals.list', { statuses: ['Pending'] });
      if (!answer.ok) throw new Error(`keeper-bob cannot list through B: ${answer.message}`);
      return (answer.result as { approvals: Approval[] }).approvals.find((x) => x.requestId === requestId);
    },
    10_000,
    `request ${requestId} in B's queue`,
  );

/** A's own audit for the request: what its requester's window was told. */
function localAudit(requestId: string): Array<{ type: string; data: Record<string, unknown> }> {
  const db = new Database(join(machines.a.dataDir, 'agent.db'), { readonly: true });
  try {
    return (
      db.prepare('SELECT type, data_json FROM audit_events WHERE request_id = ? ORDER BY seq').all(requestId) as Array<{ type: string; data_json: string }>
    ).map((e) => ({
      type: e.type,
      data: JSON.parse(e.data_json) as Record<string, unknown>,
    }));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  fx = await createFleetFixture();
  s1 = await fx.start();
  s2 = await fx.start();
  const files = {
    policies: {
      'collections.json': { Collections: [{ CollectionId: 'col-true', Type: 'Application', Members: [{ Path: '/usr/bin/true' }] }] },
      'policies.json': [appPolicy('pol-two', 'col-true', ['APPROVAL'], { Extension: { ApprovalQuorum: 2 } })],
    },
    jobs: Object.fromEntries(
      readdirSync(JOBS)
        .filter((n) => n.endsWith('.json'))
        .map((n) => [n, JSON.parse(readFileSync(join(JOBS, n), 'utf8')) as unknown]),
    ),
  };
  await pushPolicies(s1.db, 'engineering', files);
  await pushPolicies(s1.db, 'approvers', files);
  for (const principal of ['keeper-bob', 'daemon', 'root', 'keeper-alice'])
    await fx.approver({ group: 'engineering', kind: 'user', principal, role: 'approver' });
  desktops.add({ user: 'keeper-alice' });
  for (const m of Object.values(machines)) chmodSync(m.dir, 0o755);
  expect(await register(s1.url, 'engineering', machines.a.dataDir, 'machine-a')).toMatchObject({ code: 0 });
  expect(await register(s2.url, 'approvers', machines.b.dataDir, 'machine-b')).toMatchObject({ code: 0 });
  agentA = await startAgent({ socket: machines.a.socket, dataDir: machines.a.dataDir, logindDir: desktops.dir, extra: ['--fleet', s1.url] });
  agentB = await startAgent({ socket: machines.b.socket, dataDir: machines.b.dataDir, logindDir: desktops.dir, extra: ['--fleet', s2.url] });
  await online(machines.a.socket);
  await online(machines.b.socket);
}, 60_000);

afterAll(async () => {
  await agentA?.stop();
  await agentB?.stop();
  await fx?.drop();
  for (const m of Object.values(machines)) m.cleanup();
  desktops.cleanup();
});

describe('approval quorum across agents and server instances', () => {
  it('two approvers on two agents and two instances reach a quorum of two; a repeat and the requester count for nothing', async () => {
    const requester = startRequester(machines.a.socket, 'keeper-alice', '/usr/bin/true', 'Two pairs of eyes, please', { cwd: '/tmp' });
    const requestId = await requester.requestId;
    const approval = await inQueue(requestId);
    expect(approval.quorum).toEqual({ required: 2, approvals: [] });
    const bob = await decide(machines.b.socket, 'keeper-bob', approval.approvalId, 'approve');
    expect(bob).toMatchObject({ ok: true, result: { status: 'Pending', quorum: { required: 2, approvals: [{ by: { name: 'keeper-bob' } }] } } });
    // The same approver again, and the requester from her own machine, change nothing.
    expect(await decide(machines.b.socket, 'keeper-bob', approval.approvalId, 'approve')).toMatchObject({
      ok: true,
      result: { status: 'Pending', quorum: { approvals: [{ by: { name: 'keeper-bob' } }] } },
    });
    expect(await decide(machines.a.socket, 'keeper-alice', approval.approvalId, 'approve')).toMatchObject({ ok: false, code: -33001 });
    // A mirrors the first vote for its requester's window, and audits it.
    await until(() => localAudit(requestId).find((e) => e.type === 'approval.partial'), 10_000, 'the first vote on A');
    expect(localAudit(requestId).find((e) => e.type === 'approval.partial')!.data).toMatchObject({ by: 'keeper-bob', approvals: 1, required: 2, fleet: true });
    const daemon = await decide(machines.a.socket, 'daemon', approval.approvalId, 'approve');
    expect(daemon).toMatchObject({ ok: true, result: { status: 'Approved', decision: { by: { name: 'daemon' } } } });
    expect((daemon as { result: Approval }).result.quorum!.approvals.map((v) => v.by.name)).toEqual(['keeper-bob', 'daemon']);
    expect(await requester.outcome).toEqual({ state: 'allowed', reason: 'Every control passed.' });
    const { rows } = await fx.admin.query<{ type: string; approvals: string | null }>(
      "SELECT type, data->>'approvals' AS approvals FROM audit_events WHERE data->>'approvalId' = $1 AND type LIKE 'fleet.approval.%' ORDER BY seq",
      [approval.approvalId],
    );
    expect(rows.filter((r) => r.type !== 'fleet.approval.decide.refused')).toEqual([
      { type: 'fleet.approval.filed', approvals: null },
      { type: 'fleet.approval.partial', approvals: '1' },
      { type: 'fleet.approval.approved', approvals: '2' },
    ]);
  });

  it('three approvers racing through both agents: exactly one final decision, sent to A once', async () => {
    const requester = startRequester(machines.a.socket, 'keeper-alice', '/usr/bin/true', 'Racing approvers in the fleet', { cwd: '/var' });
    const requestId = await requester.requestId;
    const { approvalId } = await inQueue(requestId);
    const results = await Promise.all([
      decide(machines.b.socket, 'keeper-bob', approvalId, 'approve'),
      decide(machines.a.socket, 'daemon', approvalId, 'approve'),
      decide(machines.b.socket, 'root', approvalId, 'approve'),
    ]);
    const statuses = results.map((r) => (r.ok ? (r.result as Approval).status : r.code));
    expect(statuses.filter((s) => s === 'Pending')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'Approved')).toHaveLength(1);
    expect(statuses.filter((s) => s === -33006)).toHaveLength(1);
    expect(await requester.outcome).toEqual({ state: 'allowed', reason: 'Every control passed.' });
    const { rows } = await fx.admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM machine_events WHERE payload->>'approvalId' = $1 AND payload->>'status' = 'Approved'",
      [approvalId],
    );
    expect(rows[0]).toEqual({ n: 1 });
    expect(localAudit(requestId).filter((e) => e.type === 'approval.approved')).toHaveLength(1);
  });

  it('one denial ends it after a first approval', async () => {
    const requester = startRequester(machines.a.socket, 'keeper-alice', '/usr/bin/true', 'This one will be denied', { cwd: '/usr' });
    const { approvalId } = await inQueue(await requester.requestId);
    expect(await decide(machines.a.socket, 'daemon', approvalId, 'approve')).toMatchObject({ ok: true, result: { status: 'Pending' } });
    expect(await decide(machines.b.socket, 'keeper-bob', approvalId, 'deny')).toMatchObject({ ok: true, result: { status: 'Denied' } });
    expect(await requester.outcome).toEqual({ state: 'denied', reason: 'Denied by keeper-bob.' });
    expect(await decide(machines.b.socket, 'root', approvalId, 'approve')).toMatchObject({ ok: false, code: -33006 });
  });
});
