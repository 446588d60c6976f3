import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditOutbox } from '../../apps/agent-service/src/fleet/fleetClient.ts';
import { FleetHttp } from '../../apps/agent-service/src/fleet/fleetHttp.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { queryAudit } from '../../apps/fleet-server/src/services/audit.ts';
import { AuditIngestResponse, type FleetAuditEvent } from '../../shared/protocol/src/common/fleet.ts';
import { createFleetFixture, until, type FleetFixture } from './support/fleetHarness.ts';

let fx: FleetFixture;
let s1: RunningFleetServer;
let s2: RunningFleetServer;
const jsonl = () => join(fx.dataDir, 'fleet-audit.jsonl');

beforeAll(async () => {
  fx = await createFleetFixture();
  s1 = await fx.start({ auditJsonl: join(fx.dataDir, 'fleet-audit.jsonl') });
  s2 = await fx.start({ auditJsonl: join(fx.dataDir, 'fleet-audit.jsonl') });
});
afterAll(() => fx.drop());

function event(n: number, user = 'keeper-alice'): FleetAuditEvent {
  return {
    id: `evt-${n}`,
    at: new Date(Date.UTC(2026, 11, 7, 1, 0, n)).toISOString(),
    type: 'elevation.allowed',
    actorUid: 1001,
    requestId: `r-${n}`,
    data: { user, path: '/usr/bin/id' },
  };
}

/** An in-memory stand-in for the agent's SQLite outbox: events leave it only when delivered. */
function memoryOutbox(events: FleetAuditEvent[]): AuditOutbox & { left: () => number } {
  let queue = [...events];
  return {
    pending: (limit) => queue.slice(0, limit),
    delivered: (ids) => {
      queue = queue.filter((e) => !ids.includes(e.id));
    },
    left: () => queue.length,
  };
}

describe('fleet audit', () => {
  it('stores each event exactly once whatever is resent (retries, replay after kill -9)', async () => {
    const { identity } = await fx.register(s1, 'pilot', 'auditor');
    const http1 = new FleetHttp({ baseUrl: s1.url, tls: identity });
    const http2 = new FleetHttp({ baseUrl: s2.url, tls: identity });
    const batch = [1, 2, 3].map((n) => event(n));
    expect(await http1.call('POST', '/v1/audit', AuditIngestResponse, { events: batch })).toEqual({ accepted: 3, duplicates: 0 });
    // The answer was "lost": the agent sends the same batch again, to the other instance, with one new event.
    expect(await http2.call('POST', '/v1/audit', AuditIngestResponse, { events: [...batch, event(4)] })).toEqual({ accepted: 1, duplicates: 3 });
    const rows = await queryAudit(fx.admin, { machineId: identity.machineId });
    expect(rows.filter((r) => r.type === 'elevation.allowed').map((r) => r.eventId)).toEqual(['evt-1', 'evt-2', 'evt-3', 'evt-4']);
    http1.close();
    http2.close();
  });

  it('drains an outbox in batches on connect; the audit is queryable by machine, user and time', async () => {
    const { dataDir, identity } = await fx.register(s2, 'pilot', 'outboxer');
    const outbox = memoryOutbox(
      Array.from({ length: 1_200 }, (_, i) => event(100 + i, i % 2 ? 'keeper-bob' : 'keeper-alice')).map((e, i) => ({ ...e, id: `ob-${i}` })),
    );
    const client = fx.client(dataDir, { outbox });
    client.start();
    await until(() => (outbox.left() === 0 ? true : undefined), 10_000, 'outbox drained');
    const bob = await queryAudit(fx.admin, { machineId: identity.machineId, user: 'keeper-bob', limit: 10_000 });
    expect(bob).toHaveLength(600);
    const window = await queryAudit(fx.admin, {
      machineId: identity.machineId,
      since: new Date(Date.UTC(2026, 11, 7, 1, 1, 40)),
      until: new Date(Date.UTC(2026, 11, 7, 1, 1, 45)),
    });
    // Event n is stamped 01:00:00 + n seconds: 01:01:40 up to 01:01:45 holds n = 100..104.
    expect(window.map((r) => r.eventId)).toEqual(['ob-0', 'ob-1', 'ob-2', 'ob-3', 'ob-4']);
  });

  it('forwards to JSON lines once, with two instances claiming rows', async () => {
    await until(
      async () => ((await fx.admin.query('SELECT 1 FROM audit_events WHERE forwarded_at IS NULL')).rowCount === 0 ? true : undefined),
      10_000,
      'forwarded',
    );
    const lines = readFileSync(jsonl(), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; data: { machineId: string | null } });
    const ids = lines.map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
    const { rows } = await fx.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events');
    expect(ids.length).toBe(rows[0]!.n);
  });
});
