import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditOutbox, FleetClient } from '../../apps/agent-service/src/fleet/fleetClient.ts';
import { registerWithFleet } from '../../apps/agent-service/src/fleet/registration.ts';
import { readSyncState } from '../../apps/agent-service/src/fleet/policySync.ts';
import { pushPolicies } from '../../apps/fleet-server/src/services/policies.ts';
import { createToken } from '../../apps/fleet-server/src/services/tokens.ts';
import { fingerprintOf } from '../../apps/fleet-server/src/pki/ca.ts';
import { AgentErrorCodes } from '../../shared/protocol/src/common/index.ts';
import type { FleetApproval, FleetAuditEvent } from '../../shared/protocol/src/common/fleet.ts';
import { POLICY_APPROVAL, approvalRequest, createFleetFixture, until, type FleetFixture } from './support/fleetHarness.ts';
import { freePort, kill9, startFleetProcess } from './support/fleetProcess.ts';

/** Two real keeper-fleet processes on one database; instance 1 is killed with SIGKILL. */
let fx: FleetFixture;
let p1: ChildProcess & { url: string };
let p2: ChildProcess & { url: string };
let port1: number;
let serverDir: string;
let a: FleetClient;
let b: FleetClient;
let aDir: string;
const seenOnA: FleetApproval[] = [];
let outboxA: FleetAuditEvent[] = [];

const outbox: AuditOutbox = {
  pending: (limit) => outboxA.slice(0, limit),
  delivered: (ids) => {
    outboxA = outboxA.filter((e) => !ids.includes(e.id));
  },
};

async function register(url: string, group: string, name: string): Promise<string> {
  const dir = join(fx.dataDir, name);
  const { token } = await createToken(fx.admin, group, 60_000, fingerprintOf(readFileSync(join(serverDir, 'ca.pem'), 'utf8')));
  await registerWithFleet(url, token, dir, name);
  return dir;
}

beforeAll(async () => {
  fx = await createFleetFixture();
  serverDir = join(fx.dataDir, 'shared-server');
  port1 = await freePort();
  // Both start at once on one data folder and one database: one CA, one migration.
  [p1, p2] = await Promise.all([startFleetProcess(fx.databaseUrl, serverDir, port1), startFleetProcess(fx.databaseUrl, serverDir, await freePort())]);
  await fx.approver({ group: 'field', kind: 'user', principal: 'keeper-bob', role: 'approver' });
  await pushPolicies(fx.admin, 'field', { policies: { 'approval.json': POLICY_APPROVAL }, jobs: {} });
  aDir = await register(p1.url, 'field', 'machine-a');
  a = fx.client(aDir, { outbox, onApprovalUpdated: (x) => void seenOnA.push(x) });
  b = fx.client(await register(p2.url, 'field', 'machine-b'));
  a.start();
  await until(() => (a.isOnline && readSyncState(aDir)?.version === 1 ? true : undefined), 10_000, 'A online and synced');
}, 60_000);
afterAll(async () => {
  await Promise.all([kill9(p1), kill9(p2)]);
  await fx.drop();
});

describe('a fleet instance killed mid-approval, and machine A offline', () => {
  it('A goes offline without a busy loop, keeps its policies and outbox; the decision made meanwhile reaches A once after the restart', async () => {
    const filed = await a.fileApproval(approvalRequest('killed-1'));
    await kill9(p1);

    // Count A's connection attempts while instance 1 is gone: back-off, not a busy loop.
    let attempts = 0;
    const counter = net.createServer((socket) => {
      attempts++;
      socket.destroy();
    });
    await new Promise<void>((ok) => counter.listen(port1, '127.0.0.1', ok));
    await until(() => (!a.isOnline ? true : undefined), 10_000, 'A offline');
    // The seed's offline rules: an approval cannot be requested; the last good policies stay.
    await expect(a.fileApproval(approvalRequest('while-offline'))).rejects.toMatchObject({
      code: AgentErrorCodes.Offline,
      data: { reasonDetail: { code: 'offline-needs-network', values: { controls: ['APPROVAL'] } } },
    });
    expect(a.status).toMatchObject({ online: false, policyVersion: 1 });
    outboxA.push({
      id: 'offline-evt-1',
      at: new Date().toISOString(),
      type: 'elevation.justified',
      actorUid: 1001,
      requestId: null,
      data: { user: 'keeper-alice', justification: 'cached offline' },
    });

    const decided = await b.relay.decide({ uid: 1002, name: 'keeper-bob', groups: [] }, { approvalId: filed.approvalId, decision: 'approve' });
    expect(decided.status).toBe('Approved');
    const before = attempts;
    await new Promise((ok) => setTimeout(ok, 1_500));
    // minBackoff 50 ms doubling to 400 ms: at most a handful of tries in 1.5 s (a busy loop makes thousands).
    expect(attempts - before).toBeLessThanOrEqual(8);
    await new Promise((ok) => counter.close(ok));

    p1 = await startFleetProcess(fx.databaseUrl, serverDir, port1);
    await until(() => seenOnA.find((x) => x.approvalId === filed.approvalId), 15_000, 'decision after restart');
    await until(() => (outboxA.length === 0 ? true : undefined), 10_000, 'outbox drained');
    expect(seenOnA.filter((x) => x.approvalId === filed.approvalId)).toHaveLength(1);
    const { rows } = await fx.admin.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE event_id = 'offline-evt-1'");
    expect(rows[0]!.n).toBe(1);
  });

  it('a decision racing the kill of the instance that handles it is either stored or not: never half', async () => {
    const filed = await a.fileApproval(approvalRequest('killed-2'));
    const bOnP1 = fx.client(await register(p1.url, 'field', 'machine-b2'));
    const attempt = bOnP1.relay.decide({ uid: 1002, name: 'keeper-bob', groups: [] }, { approvalId: filed.approvalId, decision: 'deny' }).then(
      (x) => x.status,
      (e: { code?: number }) => e.code,
    );
    await kill9(p1);
    const first = await attempt;
    // Retrying through the surviving instance gives the one decision (or makes it, if the first never committed).
    const retry = await b.relay.decide({ uid: 1002, name: 'keeper-bob', groups: [] }, { approvalId: filed.approvalId, decision: 'deny' }).then(
      (x) => x.status,
      (e: { code?: number }) => e.code,
    );
    expect([first, retry]).toContain('Denied');
    if (first === 'Denied') expect(retry).toBe(AgentErrorCodes.Conflict);
    const { rows } = await fx.admin.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM audit_events WHERE type = 'fleet.approval.denied' AND data->>'approvalId' = $1",
      [filed.approvalId],
    );
    expect(rows[0]!.n).toBe(1);
    p1 = await startFleetProcess(fx.databaseUrl, serverDir, port1);
    await until(() => seenOnA.find((x) => x.approvalId === filed.approvalId), 15_000, 'decision reaches A');
    expect(seenOnA.filter((x) => x.approvalId === filed.approvalId)).toHaveLength(1);
  });
});
