import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetCallError, FleetHttp } from '../../apps/agent-service/src/fleet/fleetHttp.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { FleetApproval } from '../../shared/protocol/src/common/fleet.ts';
import { approvalRequest, createFleetFixture, type FleetFixture } from './support/fleetHarness.ts';

/**
 * A decision that ends a request is one conditional UPDATE (services/approvals.ts, decideAtOnce);
 * whatever it does not take goes through the locked read (decideLocked). Raw HTTPS calls, so many
 * decisions can race on both instances at once. Timers are off, so an expired row stays Pending.
 */
let fx: FleetFixture;
let s1: RunningFleetServer;
let s2: RunningFleetServer;
let requester: FleetHttp;
let viaS1: FleetHttp;
let viaS2: FleetHttp;
const approvers = Array.from({ length: 6 }, (_, i) => ({ uid: 2000 + i, name: `approver-${i}`, groups: [] }));

beforeAll(async () => {
  fx = await createFleetFixture();
  s1 = await fx.start({ sweepIntervalMs: 3_600_000 });
  s2 = await fx.start({ sweepIntervalMs: 3_600_000 });
  const regA = await fx.register(s1, 'engineering', 'requester');
  const regB = await fx.register(s1, 'approvers', 'relay-1');
  const regC = await fx.register(s2, 'approvers', 'relay-2');
  requester = new FleetHttp({ baseUrl: s1.url, tls: regA.identity });
  viaS1 = new FleetHttp({ baseUrl: s1.url, tls: regB.identity });
  viaS2 = new FleetHttp({ baseUrl: s2.url, tls: regC.identity });
  for (const approver of approvers) await fx.approver({ group: 'engineering', kind: 'user', principal: approver.name, role: 'approver' });
}, 30_000);
afterAll(async () => {
  for (const http of [requester, viaS1, viaS2]) http.close();
  await fx.drop();
});

const file = (requestId: string, quorum?: number) =>
  requester.call('POST', '/v1/approvals', FleetApproval, { ...approvalRequest(requestId), ...(quorum ? { quorum } : {}) });

const decide = (i: number, approvalId: string, decision: 'approve' | 'deny') =>
  (i % 2 === 0 ? viaS1 : viaS2).call('POST', '/v1/approvals/decide', FleetApproval, { actor: approvers[i]!, approvalId, decision });

async function recordsOf(approvalId: string) {
  const events = await fx.admin.query<{ status: string }>("SELECT payload->>'status' AS status FROM machine_events WHERE payload->>'approvalId' = $1", [
    approvalId,
  ]);
  const audit = await fx.admin.query<{ type: string; reason: string | null }>(
    "SELECT type, data->>'reason' AS reason FROM audit_events WHERE data->>'approvalId' = $1 AND type <> 'fleet.approval.filed' ORDER BY seq",
    [approvalId],
  );
  return { events: events.rows.map((r) => r.status), audit: audit.rows };
}

describe('deciding in one statement', () => {
  it('six approvers racing on two instances, approving and denying: exactly one decision, one event, one record', async () => {
    for (let round = 0; round < 4; round++) {
      const filed = await file(`race-${round}`);
      const results = await Promise.allSettled(approvers.map((_, i) => decide(i, filed.approvalId, i % 3 === 0 ? 'deny' : 'approve')));
      const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost.map((e) => (e instanceof FleetCallError ? e.code : String(e)))).toEqual(Array(5).fill('approval-decided'));
      const winner = won[0]!;
      expect(['Approved', 'Denied']).toContain(winner.status);
      const { events, audit } = await recordsOf(filed.approvalId);
      expect(events).toEqual([winner.status]);
      expect(audit.filter((a) => a.type === 'fleet.approval.approved' || a.type === 'fleet.approval.denied')).toHaveLength(1);
      expect(audit.filter((a) => a.type === 'fleet.approval.decide.refused').map((a) => a.reason)).toEqual(Array(5).fill('approval-decided'));
    }
  });

  it("answers with the decision as stored, and the requester's event carries the same approval", async () => {
    const filed = await file('answer');
    const decided = await decide(1, filed.approvalId, 'approve');
    expect(decided).toMatchObject({ approvalId: filed.approvalId, status: 'Approved', decision: { by: { name: 'approver-1', uid: 2001 } } });
    expect(decided.decision?.usableUntil).not.toBeNull();
    const { rows } = await fx.admin.query<{ payload: unknown }>("SELECT payload FROM machine_events WHERE payload->>'approvalId' = $1", [filed.approvalId]);
    expect(rows[0]!.payload).toEqual(decided);
    expect(await requester.call('GET', '/v1/approvals/answer', FleetApproval)).toEqual(decided);
  });

  it('a quorum request still takes the locked path: an approval short of the quorum is a vote, a denial ends it at once', async () => {
    const filed = await file('quorum', 3);
    const first = await decide(0, filed.approvalId, 'approve');
    expect(first).toMatchObject({ status: 'Pending', quorum: { required: 3, approvals: [{ by: { name: 'approver-0' } }] } });
    const again = await decide(0, filed.approvalId, 'approve');
    expect(again.quorum?.approvals).toHaveLength(1);
    const denied = await decide(1, filed.approvalId, 'deny');
    expect(denied).toMatchObject({ status: 'Denied', quorum: { required: 3, approvals: [{ by: { name: 'approver-0' } }] } });
    const { events, audit } = await recordsOf(filed.approvalId);
    expect(events).toEqual(['Pending', 'Denied']);
    expect(audit.map((a) => a.type)).toEqual(['fleet.approval.partial', 'fleet.approval.denied']);
  });

  it('refuses what the single statement must not decide, with the reason the locked read finds', async () => {
    const expired = await file('expired');
    await fx.admin.query("UPDATE approvals SET expires_at = now() - interval '1 second' WHERE approval_id = $1", [expired.approvalId]);
    await expect(decide(2, expired.approvalId, 'approve')).rejects.toMatchObject({ code: 'approval-expired' });
    const own = await requester.call('POST', '/v1/approvals', FleetApproval, approvalRequest('own', 'approver-3'));
    await expect(decide(3, own.approvalId, 'approve')).rejects.toMatchObject({ code: 'own-request' });
    const stranger = { uid: 3000, name: 'stranger', groups: [] };
    await expect(
      viaS2.call('POST', '/v1/approvals/decide', FleetApproval, { actor: stranger, approvalId: own.approvalId, decision: 'approve' }),
    ).rejects.toMatchObject({
      code: 'not-approver',
    });
    await expect(decide(4, '00000000-0000-4000-8000-000000000000', 'approve')).rejects.toMatchObject({ code: 'not-found' });
    for (const id of [expired.approvalId, own.approvalId]) expect((await recordsOf(id)).events).toEqual([]);
  });
});
