import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval } from '../../shared/protocol/src/common/index.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { pushPolicies } from '../../apps/fleet-server/src/services/policies.ts';
import { callAs, type CallOutcome } from '../support/callAs.ts';
import { appPolicy, shippedJobs } from '../support/policyFixtures.ts';
import { startRequester } from '../support/requesterProcess.ts';
import { createFleetFixture, until, type FleetFixture } from './support/fleetHarness.ts';
import { fleetMachines } from './support/fleetMachines.ts';

/**
 * A quorum of two in a fleet, with real agents: keeper-alice asks on A (instance 1); keeper-bob
 * approves through B's agent (instance 2) and daemon through A's own agent (instance 1), so the two
 * votes arrive on different agents and different server instances, and only PostgreSQL's row lock
 * orders them.
 */
let fx: FleetFixture;
let s1: RunningFleetServer;
let s2: RunningFleetServer;
const fleet = fleetMachines();
const { machines } = fleet;

const decide = (socket: string, user: string, approvalId: string, decision: 'approve' | 'deny'): Promise<CallOutcome> =>
  callAs(socket, user, 'approvals.decide', { approvalId, decision });

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
    jobs: shippedJobs(),
  };
  await pushPolicies(s1.db, 'engineering', files);
  await pushPolicies(s1.db, 'approvers', files);
  for (const principal of ['keeper-bob', 'daemon', 'root', 'keeper-alice'])
    await fx.approver({ group: 'engineering', kind: 'user', principal, role: 'approver' });
  await fleet.start(fx, { a: { url: s1.url, group: 'engineering' }, b: { url: s2.url, group: 'approvers' } }, 1);
}, 60_000);

afterAll(async () => {
  await fleet.stop();
  await fx?.drop();
});

describe('approval quorum across agents and server instances', () => {
  it('two approvers on two agents and two instances reach a quorum of two; a repeat and the requester count for nothing', async () => {
    const requester = startRequester(machines.a.socket, 'keeper-alice', '/usr/bin/true', 'Two pairs of eyes, please', { cwd: '/tmp' });
    const requestId = await requester.requestId;
    const approval = await fleet.inBobsQueue(requestId);
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
    const { approvalId } = await fleet.inBobsQueue(requestId);
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
    const { approvalId } = await fleet.inBobsQueue(await requester.requestId);
    expect(await decide(machines.a.socket, 'daemon', approvalId, 'approve')).toMatchObject({ ok: true, result: { status: 'Pending' } });
    expect(await decide(machines.b.socket, 'keeper-bob', approvalId, 'deny')).toMatchObject({ ok: true, result: { status: 'Denied' } });
    expect(await requester.outcome).toEqual({ state: 'denied', reason: 'Denied by keeper-bob.' });
    expect(await decide(machines.b.socket, 'root', approvalId, 'approve')).toMatchObject({ ok: false, code: -33006 });
  });
});
