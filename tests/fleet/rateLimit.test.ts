import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentError, AgentErrorCodes } from '../../shared/protocol/src/common/index.ts';
import { AuditIngestResponse, FleetApproval } from '../../shared/protocol/src/common/fleet.ts';
import { FleetCallError, FleetHttp } from '../../apps/agent-service/src/fleet/fleetHttp.ts';
import type { FleetClient } from '../../apps/agent-service/src/fleet/fleetClient.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { MachineRateLimiter } from '../../apps/fleet-server/src/services/rateLimit.ts';
import { RateLimitedError } from '../../apps/fleet-server/src/http/fleetError.ts';
import { approvalRequest, createFleetFixture, type FleetFixture } from './support/fleetHarness.ts';

/** One machine flooding filings or audit batches gets a clear 429 (audited once per burst); others are unaffected. */
let fx: FleetFixture;
let server: RunningFleetServer;
let a: FleetClient;
let b: FleetClient;
let aHttp: FleetHttp;
let aMachineId: string;

beforeAll(async () => {
  fx = await createFleetFixture();
  server = await fx.start({ filingsPerMinute: 3, auditBatchesPerMinute: 2 });
  const regA = await fx.register(server, 'engineering', 'flooder');
  const regB = await fx.register(server, 'engineering', 'neighbour');
  a = fx.client(regA.dataDir);
  b = fx.client(regB.dataDir);
  aHttp = new FleetHttp({ baseUrl: server.url, tls: regA.identity });
  aMachineId = regA.identity.machineId;
}, 30_000);
afterAll(async () => {
  aHttp.close();
  await fx.drop();
});

const refusalAudits = async (machineId: string) =>
  (
    await fx.admin.query<{ call: string }>(
      "SELECT data->>'call' AS call FROM audit_events WHERE type = 'fleet.machine.rate-limited' AND machine_id = $1 ORDER BY seq",
      [machineId],
    )
  ).rows.map((r) => r.call);

const event = (id: string) => ({
  id,
  at: new Date().toISOString(),
  type: 'elevation.allowed',
  actorUid: 1001,
  requestId: null,
  data: { user: 'keeper-alice' },
});

describe('per-machine rate limit', () => {
  it('files up to the limit, then refuses with 429 and the rate-limited code (retry time in the message); nothing of the refused is stored', async () => {
    for (let i = 0; i < 3; i++) await a.fileApproval(approvalRequest(`flood-${i}`));
    const refused = await a.fileApproval(approvalRequest('flood-3')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AgentError);
    expect((refused as AgentError).code).toBe(AgentErrorCodes.RateLimited);
    expect((refused as AgentError).message).toMatch(/more than 3 approval filings per minute; retry in \d+ s/);
    const raw = await aHttp.call('POST', '/v1/approvals', FleetApproval, approvalRequest('flood-4')).catch((error: unknown) => error);
    expect(raw).toBeInstanceOf(FleetCallError);
    expect(raw).toMatchObject({ status: 429, code: 'rate-limited' });
    const { rows } = await fx.admin.query<{ request_id: string }>('SELECT request_id FROM approvals WHERE machine_id = $1 ORDER BY request_id', [aMachineId]);
    expect(rows.map((r) => r.request_id)).toEqual(['flood-0', 'flood-1', 'flood-2']);
    // Two refusals in one burst: one audit record.
    expect(await refusalAudits(aMachineId)).toEqual(['filing']);
  });

  it("another machine is not limited by the first one's burst", async () => {
    expect((await b.fileApproval(approvalRequest('calm-0'))).status).toBe('Pending');
  });

  it('limits audit batches separately, and a refused batch is not stored (the agent sends it again later)', async () => {
    expect(await aHttp.call('POST', '/v1/audit', AuditIngestResponse, { events: [event('ev-1')] })).toEqual({ accepted: 1, duplicates: 0 });
    expect(await aHttp.call('POST', '/v1/audit', AuditIngestResponse, { events: [event('ev-2')] })).toEqual({ accepted: 1, duplicates: 0 });
    const refused = await aHttp.call('POST', '/v1/audit', AuditIngestResponse, { events: [event('ev-3')] }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 429, code: 'rate-limited', message: expect.stringContaining('audit batches') as unknown });
    const stored = await fx.admin.query('SELECT 1 FROM audit_events WHERE machine_id = $1 AND event_id = $2', [aMachineId, 'ev-3']);
    expect(stored.rowCount).toBe(0);
    expect(await refusalAudits(aMachineId)).toEqual(['filing', 'audit']);
  });

  it('refills at the configured rate: a machine that waits is served again, and a new burst is audited again', async () => {
    const limiter = new MachineRateLimiter(fx.admin, { filingsPerMinute: 2, auditBatchesPerMinute: 2 });
    const t0 = 1_000_000;
    await limiter.take('filing', aMachineId, t0);
    await limiter.take('filing', aMachineId, t0);
    const first = await limiter.take('filing', aMachineId, t0).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(RateLimitedError);
    expect((first as RateLimitedError).retryAfterSeconds).toBe(30);
    // 30 s later one token is back (2 per minute).
    await limiter.take('filing', aMachineId, t0 + 30_000);
    await expect(limiter.take('filing', aMachineId, t0 + 30_000)).rejects.toBeInstanceOf(RateLimitedError);
    expect((await refusalAudits(aMachineId)).filter((c) => c === 'filing')).toHaveLength(3);
  });
});
