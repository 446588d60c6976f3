import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { FleetClient, type FleetClientOptions } from '../../../apps/agent-service/src/fleet/fleetClient.ts';
import { registerWithFleet } from '../../../apps/agent-service/src/fleet/registration.ts';
import type { FleetIdentity } from '../../../apps/agent-service/src/fleet/fleetIdentity.ts';
import type { ServerConfigInput } from '../../../apps/fleet-server/src/config.ts';
import { migrate } from '../../../apps/fleet-server/src/db/migrate.ts';
import { startFleetServer, type RunningFleetServer } from '../../../apps/fleet-server/src/fleetServer.ts';
import { addApprover, type ApproverBinding } from '../../../apps/fleet-server/src/services/approvers.ts';
import { createToken } from '../../../apps/fleet-server/src/services/tokens.ts';

/** The machine's PostgreSQL (.ci/run starts it and exports a throwaway database); never a mock. */
export const PG_BASE = process.env.KEEPER_FLEET_TEST_PG ?? 'postgres://postgres@/postgres?host=/var/run/postgresql';

/** PG_BASE with another database name (the first path segment after the host part). */
export function urlFor(database: string): string {
  return PG_BASE.replace(/^(postgres(?:ql)?:\/\/[^/]*)\/[^/?]*/, `$1/${database}`);
}

/** A throwaway database (and data folder) for one test file; `drop` removes both. */
export interface FleetFixture {
  readonly databaseUrl: string;
  readonly database: string;
  readonly dataDir: string;
  readonly admin: pg.Pool;
  readonly servers: RunningFleetServer[];
  readonly clients: FleetClient[];
  start(overrides?: Partial<ServerConfigInput>): Promise<RunningFleetServer>;
  token(group: string, lifetimeMs?: number): Promise<string>;
  approver(binding: ApproverBinding): Promise<void>;
  register(server: RunningFleetServer, group: string, name: string): Promise<{ dataDir: string; identity: FleetIdentity }>;
  client(dataDir: string, options?: Omit<FleetClientOptions, 'dataDir' | 'log'>): FleetClient;
  drop(): Promise<void>;
}

export async function createFleetFixture(): Promise<FleetFixture> {
  const database = `keeper_fleet_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const root = new pg.Client({ connectionString: PG_BASE });
  await root.connect();
  await root.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  await root.end();
  const databaseUrl = urlFor(database);
  await migrate(databaseUrl, pino({ level: 'silent' }));
  const dataDir = mkdtempSync(join(tmpdir(), 'keeper-fleet-'));
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  admin.on('error', () => undefined);
  const servers: RunningFleetServer[] = [];
  const clients: FleetClient[] = [];
  let machines = 0;
  const fixture: FleetFixture = {
    databaseUrl,
    database,
    dataDir,
    admin,
    servers,
    clients,
    async start(overrides = {}) {
      const server = await startFleetServer({
        databaseUrl,
        dataDir: join(dataDir, 'server'),
        port: 0,
        logLevel: 'silent',
        sweepIntervalMs: 100,
        instance: `test-${servers.length + 1}`,
        ...overrides,
      });
      servers.push(server);
      return server;
    },
    async token(group, lifetimeMs = 60_000) {
      const ca = servers[0]!.ca;
      return (await createToken(admin, group, lifetimeMs, ca.fingerprint)).token;
    },
    approver: (binding) => addApprover(admin, binding),
    async register(server, group, name) {
      const agentDir = join(dataDir, `agent-${++machines}-${name}`);
      const identity = await registerWithFleet(server.url, await fixture.token(group), agentDir, name);
      return { dataDir: agentDir, identity };
    },
    client(agentDir, options = {}) {
      const client = new FleetClient({
        dataDir: agentDir,
        log: pino({ level: 'silent' }),
        healthIntervalMs: 200,
        minBackoffMs: 50,
        maxBackoffMs: 400,
        ...options,
      });
      clients.push(client);
      return client;
    },
    async drop() {
      for (const client of clients) client.stop();
      await Promise.allSettled(servers.map((s) => s.close()));
      await admin.end();
      const root = new pg.Client({ connectionString: PG_BASE });
      await root.connect();
      // Connections still closing (a pool's last clients) are let go first: FORCE would kill them
      // mid-close, and a killed client without an 'error' listener is an uncaught error in the run.
      for (let waited = 0; waited < 5_000; waited += 50) {
        const { rows } = await root.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [database]);
        if (rows[0]!.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await root.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
      await root.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Resolves with the first value `probe` returns that is not undefined (events, not sleeps, decide when). */
export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

/**
 * Once an approver's window asked for queue hints (`watchQueue(true)`), waits until they arrive: the watch
 * travels on the machine's stream, so a request filed before it lands gets no hint. Files probe requests
 * (`file` returns the approval id) until one's hint is in `hints`.
 */
export async function untilQueueHinted(file: () => Promise<string>, hints: readonly string[]): Promise<string> {
  let filed = '';
  await until(async () => {
    filed = await file();
    return (await until(() => (hints.includes(filed) ? true : undefined), 1_000).catch(() => undefined)) ? true : undefined;
  });
  return filed;
}

export const POLICY_APPROVAL = {
  PolicyName: 'Approve admin tools',
  PolicyType: 'PrivilegeElevation',
  PolicyId: 'p-approval',
  Status: 'enforce',
  Actions: { OnSuccess: { Controls: ['APPROVAL'] } },
};

export function approvalRequest(requestId: string, user = 'keeper-alice') {
  return {
    requestId,
    requester: { uid: 1001, name: user },
    application: { path: '/usr/bin/apt-get', sha256: 'a'.repeat(64), commandLine: '/usr/bin/apt-get install htop', signer: null },
    workingDirectory: '/home/keeper-alice',
    justification: 'install a monitoring tool',
    matchedPolicies: [
      { policyId: 'p-approval', policyName: 'Approve admin tools', status: 'enforce' as const, specificity: 0, controls: ['APPROVAL' as const] },
    ],
  };
}
