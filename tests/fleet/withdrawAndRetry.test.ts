import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError, AgentErrorCodes } from '../../shared/protocol/src/common/index.ts';
import type { FleetClient } from '../../apps/agent-service/src/fleet/fleetClient.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { approvalRequest, createFleetFixture, until, untilQueueHinted, type FleetFixture } from './support/fleetHarness.ts';
import { startPgProxy, type PgProxy } from './support/pgProxy.ts';

/**
 * The requester takes a filed request back (approvers' queues drop it live), and a filing the
 * server refuses while its database is away is retried until it is back, filed once. Machine A
 * files on instance 1; B (an approver's machine) and C (a stranger) use instance 2. Instance 3
 * reaches the database through a relay the test takes down and brings back.
 */
let fx: FleetFixture;
let proxy: PgProxy;
let s1: RunningFleetServer;
let s2: RunningFleetServer;
let s3: RunningFleetServer;
let a: FleetClient;
let b: FleetClient;
let c: FleetClient;
const hintsOnB: string[] = [];
const bob = { uid: 1002, name: 'keeper-bob', groups: ['keeper-bob'] };

beforeAll(async () => {
  fx = await createFleetFixture();
  proxy = await startPgProxy();
  s1 = await fx.start();
  s2 = await fx.start();
  s3 = await fx.start({ databaseUrl: proxy.urlFor(fx.database) });
  a = fx.client((await fx.register(s1, 'engineering', 'machine-a')).dataDir);
  b = fx.client((await fx.register(s2, 'approvers', 'machine-b')).dataDir, { onQueueChanged: (id) => void hintsOnB.push(id) });
  c = fx.client((await fx.register(s2, 'engineering', 'machine-c')).dataDir);
  for (const client of [a, b]) {
    client.start();
    await until(() => (client.isOnline ? true : undefined), 10_000, 'online');
  }
  await fx.approver({ group: 'engineering', kind: 'user', principal: 'keeper-bob', role: 'approver' });
}, 60_000);
afterAll(async () => {
  await fx.drop();
  await proxy.close();
});

const rowsOf = async (requestId: string) => (await fx.admin.query<{ status: string }>('SELECT status FROM approvals WHERE request_id = $1', [requestId])).rows;
const auditCount = async (type: string, approvalId: string) =>
  (await fx.admin.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE type = $1 AND data->>'approvalId' = $2", [type, approvalId])).rows[0]!
    .n;

describe('withdrawing a filed request', () => {
  it("ends it on the server, drops it from approvers' queues live, and no approver can decide it after", async () => {
    b.watchQueue(true);
    // Hints reach B only once its watch has travelled its stream (a hint missed here failed CI once).
    await untilQueueHinted(async () => (await a.fileApproval(approvalRequest(`wd-watch-${Date.now()}`))).approvalId, hintsOnB);
    const filed = await a.fileApproval(approvalRequest('wd-1'));
    await until(() => (hintsOnB.includes(filed.approvalId) ? true : undefined), 5_000, 'filing hint on B');
    expect((await b.relay.list(bob, { statuses: ['Pending'] })).approvals.map((x) => x.approvalId)).toContain(filed.approvalId);
    hintsOnB.length = 0;

    const withdrawn = await a.withdrawApproval('wd-1');
    expect(withdrawn).toMatchObject({
      approvalId: filed.approvalId,
      status: 'Expired',
      decision: { by: { name: 'keeper-alice' }, reason: 'withdrawn by the requester' },
    });
    // B's approver window hears of it at once (a hint, then its list no longer has it pending).
    await until(() => (hintsOnB.includes(filed.approvalId) ? true : undefined), 5_000, 'withdrawal hint on B');
    expect((await b.relay.list(bob, { statuses: ['Pending'] })).approvals.map((x) => x.approvalId)).not.toContain(filed.approvalId);
    const late = await b.relay.decide(bob, { approvalId: filed.approvalId, decision: 'approve' }).catch((error: unknown) => error);
    expect(late).toBeInstanceOf(AgentError);
    expect((late as AgentError).code).toBe(AgentErrorCodes.Conflict);
    // A retry changes nothing and is not audited twice.
    expect(await a.withdrawApproval('wd-1')).toMatchObject({ status: 'Expired' });
    expect(await auditCount('fleet.approval.withdrawn', filed.approvalId)).toBe(1);
    b.watchQueue(false);
  });

  it('a decision that came first stands: the withdrawal returns it', async () => {
    const filed = await a.fileApproval(approvalRequest('wd-2'));
    await b.relay.decide(bob, { approvalId: filed.approvalId, decision: 'approve' });
    expect(await a.withdrawApproval('wd-2')).toMatchObject({ status: 'Approved', decision: { by: { name: 'keeper-bob' } } });
    expect(await rowsOf('wd-2')).toEqual([{ status: 'Approved' }]);
  });

  it("another machine cannot withdraw A's request, even knowing its request id", async () => {
    await a.fileApproval(approvalRequest('wd-3'));
    const refused = await c.withdrawApproval('wd-3').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AgentError);
    expect((refused as AgentError).code).toBe(AgentErrorCodes.NotFound);
    expect(await rowsOf('wd-3')).toEqual([{ status: 'Pending' }]);
  });
});

describe("the requester's pending notice in fleet mode", () => {
  it("names the fleet's approvers of the machine's group (pending, and once escalated), not the local settings", async () => {
    // A group of its own (the server caches each group's names for 5 s).
    await fx.approver({ group: 'ops', kind: 'user', principal: 'olga', role: 'approver' });
    await fx.approver({ group: 'ops', kind: 'group', principal: 'helpdesk', role: 'secondaryApprover' });
    await fx.approver({ group: null, kind: 'user', principal: 'root-admin', role: 'administrator' });
    await fx.approver({ group: 'approvers', kind: 'user', principal: 'not-for-ops', role: 'approver' });
    const ops = fx.client((await fx.register(s1, 'ops', 'machine-ops')).dataDir);
    expect((await ops.fileApproval(approvalRequest('names-1'))).sentTo).toEqual({
      pending: { users: ['olga', 'root-admin'], groups: [] },
      escalated: { users: ['olga', 'root-admin'], groups: ['helpdesk'] },
    });
  });
});

describe('a filing refused while the database restarts', () => {
  it('is retried with back-off until the database is back, and filed once', async () => {
    const viaS3 = fx.client((await fx.register(s3, 'engineering', 'machine-d')).dataDir, { minBackoffMs: 100, fileRetryMs: 20_000 });
    await proxy.down();
    const started = Date.now();
    const filing = viaS3.fileApproval(approvalRequest('retry-1'));
    // Refused (503) for a while: the relay stays down for 1.5 s, then the database "restarts".
    await new Promise((ok) => setTimeout(ok, 1_500));
    expect(await rowsOf('retry-1')).toEqual([]);
    await proxy.up();
    const filed = await filing;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(filed.status).toBe('Pending');
    expect(await rowsOf('retry-1')).toEqual([{ status: 'Pending' }]);
    expect(await auditCount('fleet.approval.filed', filed.approvalId)).toBe(1);
  });

  it('without retries (fileRetryMs 0) the same refusal is the offline error at once', async () => {
    const noRetry = fx.client((await fx.register(s3, 'engineering', 'machine-e')).dataDir, { fileRetryMs: 0 });
    await proxy.down();
    try {
      const refused = await noRetry.fileApproval(approvalRequest('retry-2')).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(AgentError);
      expect((refused as AgentError).code).toBe(AgentErrorCodes.Offline);
    } finally {
      await proxy.up();
    }
    expect(await rowsOf('retry-2')).toEqual([]);
  });
});
