import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../apps/agent-service/src/audit/auditLog.ts';
import { loadAuditSigningKey } from '../../apps/agent-service/src/audit/signingKey.ts';
import { SqliteAuditOutbox } from '../../apps/agent-service/src/fleet/auditOutbox.ts';
import type { FleetClient } from '../../apps/agent-service/src/fleet/fleetClient.ts';
import { FleetHttp } from '../../apps/agent-service/src/fleet/fleetHttp.ts';
import type { FleetIdentity } from '../../apps/agent-service/src/fleet/fleetIdentity.ts';
import { AuditIngestResponse } from '../../shared/protocol/src/common/fleet.ts';
import { openAgentDatabase, type AgentDatabase } from '../../apps/agent-service/src/store/database.ts';
import { runCli } from '../../apps/fleet-server/src/cli/commands.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { createFleetFixture, type FleetFixture } from './support/fleetHarness.ts';

/**
 * The fleet keeps each machine's tamper-evident audit chain as the agent wrote it (per-event hashes
 * and the signed checkpoints) and `keeper-fleet audit verify` proves it against the machine's key,
 * pinned from its first checkpoint. The agent side is real: its SQLite log, its signing key, its
 * outbox, delivered by its fleet client.
 */
let fx: FleetFixture;
let server: RunningFleetServer;
let agentDir: string;
let agentDb: AgentDatabase;
let log: AuditLog;
let client: FleetClient;
let machineId: string;
let identity: FleetIdentity;

async function fleetCli(...argv: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await runCli(
    argv,
    (l) => out.push(l),
    (l) => out.push(l),
  );
  return { code, out: out.join('\n') };
}

const append = (n: number, from: number) => {
  for (let i = 0; i < n; i++)
    log.append(
      { type: 'elevation.allowed', actorUid: 1001, requestId: `r-${from + i}`, data: { user: 'keeper-alice', path: '/usr/bin/id', n: from + i } },
      new Date(),
    );
};

beforeAll(async () => {
  fx = await createFleetFixture();
  server = await fx.start();
  process.env.KEEPER_FLEET_DATABASE_URL = fx.databaseUrl;
  const reg = await fx.register(server, 'pilot', 'chain-machine');
  machineId = reg.identity.machineId;
  identity = reg.identity;
  agentDir = mkdtempSync(join(tmpdir(), 'keeper-agent-chain-'));
  agentDb = openAgentDatabase(agentDir);
  log = new AuditLog({ db: agentDb, signer: loadAuditSigningKey(agentDir, true) });
  client = fx.client(reg.dataDir, { outbox: new SqliteAuditOutbox({ db: agentDb }) });
}, 30_000);
afterAll(async () => {
  delete process.env.KEEPER_FLEET_DATABASE_URL;
  await fx.drop();
  agentDb.close();
  rmSync(agentDir, { recursive: true, force: true });
});

describe("the fleet's copy of a machine's audit chain", () => {
  it('stores hashes and checkpoints as sent, pins the key from the first checkpoint, and verifies intact', async () => {
    append(230, 0);
    log.checkpoint(new Date());
    await client.drainOutbox();
    const { rows } = await fx.admin.query<{ n: number; cps: number }>(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE type = 'audit.checkpoint')::int AS cps FROM audit_events WHERE machine_id = $1 AND hash ~ '^[0-9a-f]{64}$' AND prev_hash IS NOT NULL",
      [machineId],
    );
    // 230 events, a checkpoint event after the 100th and the 200th (each counts as an event), one at "stop".
    expect(rows[0]).toEqual({ n: 233, cps: 3 });
    const pinned = await fx.admin.query<{ audit_public_key: string }>('SELECT audit_public_key FROM machines WHERE machine_id = $1', [machineId]);
    expect(pinned.rows[0]!.audit_public_key).toBe(loadAuditSigningKey(agentDir, false)!.publicKey);
    const verdict = await fleetCli('audit', 'verify', '--machine', 'chain-machine');
    expect(verdict).toMatchObject({ code: 0, out: expect.stringContaining('intact: 233 chained events, 3 signed checkpoints') as unknown });
  });

  it('a machine re-sending rewritten events cannot change the stored copy (first copy stands)', async () => {
    const { rows } = await fx.admin.query<{ event_id: string }>('SELECT event_id FROM audit_events WHERE machine_id = $1 AND chain_seq = 5', [machineId]);
    const forged = {
      id: rows[0]!.event_id,
      at: new Date().toISOString(),
      type: 'elevation.allowed',
      actorUid: 0,
      requestId: null,
      data: { user: 'root' },
      seq: 5,
      prevHash: 'f'.repeat(64),
      hash: 'e'.repeat(64),
    };
    const http = new FleetHttp({ baseUrl: server.url, tls: identity });
    try {
      expect(await http.call('POST', '/v1/audit', AuditIngestResponse, { events: [forged] })).toEqual({ accepted: 0, duplicates: 1 });
    } finally {
      http.close();
    }
    expect((await fleetCli('audit', 'verify', '--machine', machineId)).code).toBe(0);
  });

  it("names an edit of the server's copy (by whoever can write the database): exit 1, edited at that seq", async () => {
    await fx.admin.query("UPDATE audit_events SET data = jsonb_set(data, '{path}', '\"/usr/bin/sh\"') WHERE machine_id = $1 AND chain_seq = 42", [machineId]);
    try {
      expect(await fleetCli('audit', 'verify', '--machine', 'chain-machine')).toMatchObject({
        code: 1,
        out: expect.stringContaining('tampered: edited at seq 42') as unknown,
      });
    } finally {
      await fx.admin.query("UPDATE audit_events SET data = jsonb_set(data, '{path}', '\"/usr/bin/id\"') WHERE machine_id = $1 AND chain_seq = 42", [machineId]);
    }
    expect((await fleetCli('audit', 'verify', '--machine', 'chain-machine')).code).toBe(0);
  });

  it('a removed event is named too', async () => {
    const { rows } = await fx.admin.query<{ seq: string }>('DELETE FROM audit_events WHERE machine_id = $1 AND chain_seq = 150 RETURNING seq', [machineId]);
    expect(rows).toHaveLength(1);
    expect(await fleetCli('audit', 'verify', '--machine', 'chain-machine')).toMatchObject({
      code: 1,
      out: expect.stringContaining('tampered: removed at seq 150') as unknown,
    });
  });

  it('checkpoints signed by another key than the pinned one are refused (bad-checkpoint)', async () => {
    // Another machine whose agent's key was swapped after its first checkpoint reached the fleet.
    const reg = await fx.register(server, 'pilot', 'swapped-key');
    const dir = mkdtempSync(join(tmpdir(), 'keeper-agent-swap-'));
    const db = openAgentDatabase(dir);
    try {
      const first = new AuditLog({ db, signer: loadAuditSigningKey(dir, true) });
      for (let i = 0; i < 120; i++) first.append({ type: 'x', actorUid: null, requestId: null, data: { i } }, new Date());
      const swapClient = fx.client(reg.dataDir, { outbox: new SqliteAuditOutbox({ db }) });
      await swapClient.drainOutbox();
      expect(await fleetCli('audit', 'verify', '--machine', 'swapped-key')).toMatchObject({ code: 0 });
      rmSync(join(dir, 'audit-signing.key'));
      const second = new AuditLog({ db, signer: loadAuditSigningKey(dir, true) });
      second.checkpoint(new Date());
      await swapClient.drainOutbox();
      expect(await fleetCli('audit', 'verify', '--machine', 'swapped-key')).toMatchObject({
        code: 1,
        out: expect.stringContaining('tampered: bad-checkpoint at seq 121') as unknown,
      });
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('explains an unknown machine and a missing --machine', async () => {
    expect(await fleetCli('audit', 'verify', '--machine', 'no-such-host')).toMatchObject({
      code: 2,
      out: expect.stringContaining('no machine no-such-host is registered') as unknown,
    });
    expect(await fleetCli('audit', 'verify')).toMatchObject({ code: 2, out: expect.stringContaining('missing --machine') as unknown });
  });
});
