import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError, AgentErrorCodes } from '../../shared/protocol/src/common/index.ts';
import type { FleetApproval } from '../../shared/protocol/src/common/fleet.ts';
import type { FleetClient } from '../../apps/agent-service/src/fleet/fleetClient.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { approvalRequest, createFleetFixture, until, untilQueueHinted, type FleetFixture } from './support/fleetHarness.ts';

/**
 * Two instances behind one database: machine A (requester) talks to instance 1, machines B and C
 * (approvers' machines) to instance 2, so every decision reaches A through LISTEN/NOTIFY.
 */
let fx: FleetFixture;
let s1: RunningFleetServer;
let s2: RunningFleetServer;
let a: FleetClient;
let b: FleetClient;
let c: FleetClient;
const updatesOnA: FleetApproval[] = [];
const queueHintsOnB: string[] = [];
const queueHintsOnC: string[] = [];

const bob = { uid: 1002, name: 'keeper-bob', groups: ['keeper-bob'] };
const carol = { uid: 1003, name: 'carol', groups: ['carol', 'helpdesk'] };
const mallory = { uid: 1004, name: 'mallory', groups: ['mallory'] };

beforeAll(async () => {
  fx = await createFleetFixture();
  s1 = await fx.start();
  s2 = await fx.start();
  const regA = await fx.register(s1, 'engineering', 'machine-a');
  const regB = await fx.register(s2, 'approvers', 'machine-b');
  const regC = await fx.register(s2, 'approvers', 'machine-c');
  a = fx.client(regA.dataDir, { onApprovalUpdated: (approval) => void updatesOnA.push(approval) });
  b = fx.client(regB.dataDir, { onQueueChanged: (id) => void queueHintsOnB.push(id) });
  c = fx.client(regC.dataDir, { onQueueChanged: (id) => void queueHintsOnC.push(id) });
  for (const client of [a, b, c]) {
    client.start();
    await until(() => (client.isOnline ? true : undefined), 10_000, 'online');
  }
  await fx.approver({ group: 'engineering', kind: 'user', principal: 'keeper-bob', role: 'approver' });
  await fx.approver({ group: 'engineering', kind: 'group', principal: 'helpdesk', role: 'approver' });
  await fx.approver({ group: 'approvers', kind: 'user', principal: 'mallory', role: 'approver' });
});
afterAll(() => fx.drop());

const updatesFor = (approvalId: string) => updatesOnA.filter((u) => u.approvalId === approvalId);

describe('approvals across machines and instances', () => {
  it("files on A, B's approver approves through the other instance, A is told live, once", async () => {
    const filed = await a.fileApproval(approvalRequest('req-1'));
    expect(filed).toMatchObject({
      status: 'Pending',
      machine: 'machine-a',
      group: 'engineering',
      workingDirectory: '/home/keeper-alice',
      requester: { name: 'keeper-alice' },
    });
    expect(filed.application).toMatchObject({ path: '/usr/bin/apt-get', sha256: 'a'.repeat(64), commandLine: '/usr/bin/apt-get install htop' });

    const queue = await b.relay.list(bob, { statuses: ['Pending'] });
    expect(queue.roles).toEqual(['approver']);
    expect(queue.approvals.map((x) => x.approvalId)).toContain(filed.approvalId);

    const decided = await b.relay.decide(bob, { approvalId: filed.approvalId, decision: 'approve', reason: 'ok' });
    expect(decided.status).toBe('Approved');
    const seen = await until(() => updatesFor(filed.approvalId)[0], 5_000, 'decision on A');
    expect(seen).toMatchObject({ status: 'Approved', decision: { by: { name: 'keeper-bob' }, reason: 'ok' } });
    expect(await a.approvalOf('req-1')).toMatchObject({ status: 'Approved' });
    // The event was acknowledged: nothing is left to redeliver, and A handled it once.
    await until(async () => ((await fx.admin.query('SELECT 1 FROM machine_events WHERE acked_at IS NULL')).rowCount === 0 ? true : undefined));
    expect(updatesFor(filed.approvalId)).toHaveLength(1);
  });

  it("sends queue hints only to machines with an approver's window open", async () => {
    b.watchQueue(true);
    await until(() => (b.isOnline ? true : undefined));
    // The watch message travels on B's stream; the hint for a request filed after it must arrive.
    const filedId = await untilQueueHinted(async () => (await a.fileApproval(approvalRequest(`hint-${Date.now()}`))).approvalId, queueHintsOnB);
    expect(queueHintsOnC).not.toContain(filedId);
    b.watchQueue(false);
  });

  it('filing the same request id again returns the same approval (a retry files nothing new)', async () => {
    const first = await a.fileApproval(approvalRequest('req-retry'));
    const again = await a.fileApproval(approvalRequest('req-retry'));
    expect(again.approvalId).toBe(first.approvalId);
    const { rows } = await fx.admin.query("SELECT count(*)::int AS n FROM approvals WHERE request_id = 'req-retry'");
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('two approvers on different machines and instances race: exactly one decision', async () => {
    for (let round = 0; round < 5; round++) {
      const filed = await a.fileApproval(approvalRequest(`race-${round}`));
      const results = await Promise.allSettled([
        b.relay.decide(bob, { approvalId: filed.approvalId, decision: 'approve' }),
        c.relay.decide(carol, { approvalId: filed.approvalId, decision: 'deny' }),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect((lost[0]!.reason as AgentError).code).toBe(AgentErrorCodes.Conflict);
      const winner = (won[0] as PromiseFulfilledResult<FleetApproval>).value;
      const seen = await until(() => updatesFor(filed.approvalId)[0], 5_000, 'decision on A');
      expect(seen.status).toBe(winner.status);
      const { rows } = await fx.admin.query("SELECT count(*)::int AS n FROM machine_events WHERE payload->>'approvalId' = $1", [filed.approvalId]);
      expect(rows[0]).toEqual({ n: 1 });
    }
  });

  it('refuses a replayed decision, an approver outside the group and the requester deciding for themself', async () => {
    const filed = await a.fileApproval(approvalRequest('req-bad', 'carol'));
    await expect(b.relay.decide(mallory, { approvalId: filed.approvalId, decision: 'approve' })).rejects.toMatchObject({ code: AgentErrorCodes.Unauthorized });
    await expect(c.relay.decide(carol, { approvalId: filed.approvalId, decision: 'approve' })).rejects.toMatchObject({
      code: AgentErrorCodes.Unauthorized,
      message: 'nobody approves their own request',
    });
    await expect(b.relay.list(mallory, {})).resolves.toMatchObject({ approvals: [] });
    await b.relay.decide(bob, { approvalId: filed.approvalId, decision: 'deny', reason: 'no' });
    await expect(b.relay.decide(bob, { approvalId: filed.approvalId, decision: 'approve' })).rejects.toMatchObject({ code: AgentErrorCodes.Conflict });
    const { rows } = await fx.admin.query<{ reason: string }>(
      "SELECT data->>'reason' AS reason FROM audit_events WHERE type = 'fleet.approval.decide.refused' AND data->>'approvalId' = $1 ORDER BY seq",
      [filed.approvalId],
    );
    expect(rows.map((r) => r.reason)).toEqual(['not-approver', 'own-request', 'approval-decided']);
    expect(await a.approvalOf('req-bad')).toMatchObject({ status: 'Denied', decision: { by: { name: 'keeper-bob' } } });
  });

  it('an approver bound to a relay group is not believed from another machine (a compromised requester forging a decision)', async () => {
    await fx.approver({ group: 'engineering', kind: 'user', principal: 'erin', role: 'approver', relayGroup: 'approvers' });
    const filed = await a.fileApproval(approvalRequest('req-forged'));
    const erin = { uid: 1005, name: 'erin', groups: [] };
    // Machine A (root on it can claim any user name) relays "erin": refused, and erin sees nothing from there.
    await expect(a.relay.decide(erin, { approvalId: filed.approvalId, decision: 'approve' })).rejects.toMatchObject({ code: AgentErrorCodes.Unauthorized });
    await expect(a.relay.list(erin, {})).rejects.toMatchObject({ code: AgentErrorCodes.Unauthorized });
    // From her workstation's group the same decision counts.
    await expect(c.relay.decide(erin, { approvalId: filed.approvalId, decision: 'approve' })).resolves.toMatchObject({
      status: 'Approved',
      decision: { by: { name: 'erin' } },
    });
  });

  it("a machine cannot read another machine's request", async () => {
    await a.fileApproval(approvalRequest('req-private'));
    await expect(b.approvalOf('req-private')).rejects.toMatchObject({ code: AgentErrorCodes.NotFound });
  });
});

describe('escalation and expiry on the server', () => {
  it('escalates a due request to the secondary approver, then expires it, once, across two instances', async () => {
    const fast = await createFleetFixture();
    try {
      const times = { approvalTtlMs: 300, escalatedTtlMs: 300, sweepIntervalMs: 50 };
      const i1 = await fast.start(times);
      const i2 = await fast.start(times);
      await fast.approver({ group: 'ops', kind: 'user', principal: 'keeper-bob', role: 'approver' });
      await fast.approver({ group: 'ops', kind: 'user', principal: 'dave', role: 'secondaryApprover' });
      const seen: FleetApproval[] = [];
      const reg = await fast.register(i1, 'ops', 'requester');
      const requester = fast.client(reg.dataDir, { onApprovalUpdated: (x) => void seen.push(x) });
      requester.start();
      await until(() => (requester.isOnline ? true : undefined));
      const approverMachine = fast.client((await fast.register(i2, 'ops', 'approver')).dataDir);
      const filed = await requester.fileApproval(approvalRequest('slow'));
      // dave is secondary: a pending request is not his to decide.
      await expect(
        approverMachine.relay.decide({ uid: 1, name: 'dave', groups: [] }, { approvalId: filed.approvalId, decision: 'approve' }),
      ).rejects.toMatchObject({ code: AgentErrorCodes.Unauthorized });
      await until(() => seen.find((x) => x.status === 'Expired'), 10_000, 'expiry');
      expect(seen.map((x) => x.status)).toEqual(['Escalated', 'Expired']);
      const { rows } = await fast.admin.query<{ type: string }>(
        "SELECT type FROM audit_events WHERE type IN ('fleet.approval.escalated', 'fleet.approval.expired') ORDER BY seq",
      );
      expect(rows.map((r) => r.type)).toEqual(['fleet.approval.escalated', 'fleet.approval.expired']);
      await expect(
        approverMachine.relay.decide({ uid: 1, name: 'keeper-bob', groups: [] }, { approvalId: filed.approvalId, decision: 'approve' }),
      ).rejects.toMatchObject({ code: AgentErrorCodes.Conflict });
      void i2;
    } finally {
      await fast.drop();
    }
  });

  it('lets the secondary approver decide an escalated request', async () => {
    const fast = await createFleetFixture();
    try {
      const i1 = await fast.start({ approvalTtlMs: 200, escalatedTtlMs: 60_000, sweepIntervalMs: 50 });
      await fast.approver({ group: 'ops', kind: 'group', principal: 'night-shift', role: 'secondaryApprover' });
      const requester = fast.client((await fast.register(i1, 'ops', 'requester')).dataDir);
      const approverMachine = fast.client((await fast.register(i1, 'ops', 'approver')).dataDir);
      const filed = await requester.fileApproval(approvalRequest('escalate-me'));
      await until(async () => ((await requester.approvalOf('escalate-me')).status === 'Escalated' ? true : undefined));
      const decided = await approverMachine.relay.decide(
        { uid: 7, name: 'erin', groups: ['night-shift'] },
        { approvalId: filed.approvalId, decision: 'approve', usableMinutes: 5 },
      );
      expect(decided.status).toBe('Approved');
      expect(new Date(decided.decision!.usableUntil!).getTime() - new Date(decided.decision!.at).getTime()).toBe(5 * 60_000);
    } finally {
      await fast.drop();
    }
  });
});
