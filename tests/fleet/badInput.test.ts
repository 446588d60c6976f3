import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetClient } from '../../apps/agent-service/src/fleet/fleetClient.ts';
import type { FleetIdentity } from '../../apps/agent-service/src/fleet/fleetIdentity.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { AgentErrorCodes } from '../../shared/protocol/src/common/index.ts';
import type { FleetApproval } from '../../shared/protocol/src/common/fleet.ts';
import { approvalRequest, createFleetFixture, until, type FleetFixture } from './support/fleetHarness.ts';

let fx: FleetFixture;
let s1: RunningFleetServer;
let s2: RunningFleetServer;
let a: FleetClient;
let b: FleetClient;
let idA: FleetIdentity;
const seenOnA: FleetApproval[] = [];

beforeAll(async () => {
  fx = await createFleetFixture();
  s1 = await fx.start();
  s2 = await fx.start();
  const regA = await fx.register(s1, 'lab', 'machine-a');
  idA = regA.identity;
  a = fx.client(regA.dataDir, { onApprovalUpdated: (x) => void seenOnA.push(x) });
  b = fx.client((await fx.register(s2, 'lab', 'machine-b')).dataDir);
  a.start();
  await until(() => (a.isOnline ? true : undefined));
});
afterAll(() => fx.drop());

/** A raw request with this machine's certificate, for bodies the typed client would never send. */
function raw(
  server: RunningFleetServer,
  identity: FleetIdentity,
  path: string,
  body: string,
  contentType = 'application/json',
): Promise<{ status: number; json: { error: string; message: string } }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${server.url}${path}`,
      { method: 'POST', ca: identity.caPem, cert: identity.certPem, key: identity.keyPem, headers: { 'content-type': contentType } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error: string; message: string } }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('bad input to the fleet server', () => {
  it('refuses oversized, malformed and mistyped bodies with clear codes, and audits them', async () => {
    const big = JSON.stringify({ ...approvalRequest('big'), justification: 'x'.repeat(300 * 1024) });
    expect(await raw(s1, idA, '/v1/approvals', big)).toMatchObject({ status: 413, json: { error: 'body-too-large' } });
    expect(await raw(s1, idA, '/v1/approvals', '{"requestId":')).toMatchObject({ status: 400, json: { error: 'bad-request' } });
    expect(await raw(s1, idA, '/v1/approvals', 'requestId=1', 'text/plain')).toMatchObject({ status: 400, json: { error: 'bad-request' } });
    const forged = await raw(
      s1,
      idA,
      '/v1/approvals/decide',
      JSON.stringify({ approvalId: "1' OR '1'='1", decision: 'approve', actor: { uid: 0, name: 'root', groups: [] } }),
    );
    expect(forged).toMatchObject({ status: 400, json: { error: 'bad-request' } });
    expect(forged.json.message).toContain('approvalId');
    const { rows } = await fx.admin.query<{ error: string }>(
      "SELECT data->>'error' AS error FROM audit_events WHERE type = 'fleet.request.refused' AND machine_id = $1 ORDER BY seq",
      [idA.machineId],
    );
    expect(rows.map((r) => r.error)).toEqual(['body-too-large', 'bad-request', 'bad-request', 'bad-request']);
  });

  it('stores names shaped like SQL literally: they match only themselves and harm nothing', async () => {
    const sqlName = "x' OR '1'='1";
    await fx.approver({ group: 'lab', kind: 'user', principal: "'); DROP TABLE approvals; --", role: 'approver' });
    const filed = await a.fileApproval(approvalRequest('sql-1', "alice'); DELETE FROM machines; --"));
    await expect(
      b.relay.decide({ uid: 9, name: sqlName, groups: ["' OR 1=1 --"] }, { approvalId: filed.approvalId, decision: 'approve' }),
    ).rejects.toMatchObject({ code: AgentErrorCodes.Unauthorized });
    const decided = await b.relay.decide({ uid: 9, name: "'); DROP TABLE approvals; --", groups: [] }, { approvalId: filed.approvalId, decision: 'approve' });
    expect(decided).toMatchObject({ status: 'Approved', requester: { name: "alice'); DELETE FROM machines; --" } });
    expect((await fx.admin.query('SELECT 1 FROM machines')).rowCount).toBe(2);
  });

  it('loses nothing when every database connection drops mid-request (as in a restart)', async () => {
    await fx.approver({ group: 'lab', kind: 'user', principal: 'keeper-bob', role: 'approver' });
    const ids = Array.from({ length: 20 }, (_, i) => `restart-${i}`);
    const inflight = ids.map((id) =>
      a.fileApproval(approvalRequest(id)).then(
        () => 'ok',
        (e: { code?: number }) => e.code,
      ),
    );
    await fx.admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [fx.database]);
    const outcomes = await Promise.all(inflight);
    // Whatever failed, failed as "offline, try again" (never a crash, never a wrong answer): retry those.
    for (const outcome of outcomes) expect(['ok', AgentErrorCodes.Offline]).toContain(outcome);
    for (const id of ids)
      await until(
        () =>
          a.fileApproval(approvalRequest(id)).then(
            () => true,
            () => undefined,
          ),
        10_000,
        `filing ${id}`,
      );
    const { rows } = await fx.admin.query<{ n: number }>("SELECT count(*)::int AS n FROM approvals WHERE request_id LIKE 'restart-%'");
    expect(rows[0]!.n).toBe(20);

    // The listeners come back by themselves; a decision made right after still reaches A through the other instance.
    await fx.admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [fx.database]);
    const target = await until(
      () =>
        a.approvalOf('restart-0').then(
          (x) => x,
          () => undefined,
        ),
      10_000,
      'read back',
    );
    await until(
      () =>
        b.relay.decide({ uid: 2, name: 'keeper-bob', groups: [] }, { approvalId: target.approvalId, decision: 'approve' }).then(
          () => true,
          (e: { code?: number }) => (e.code === AgentErrorCodes.Conflict ? true : undefined),
        ),
      10_000,
      'decide',
    );
    await until(() => seenOnA.find((x) => x.approvalId === target.approvalId), 10_000, 'decision reaches A');
  });
});
