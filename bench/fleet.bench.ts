/**
 * The fleet under load: 1,000 simulated agents (each its own registered machine, client
 * certificate and mutual-TLS WebSocket) on two real `keeper-fleet serve` processes behind one
 * PostgreSQL. Each round trip is one approval: a requester machine files it (HTTPS, instance X), an
 * approver machine decides it (HTTPS, the other instance), and the requester is notified on its
 * stream (LISTEN/NOTIFY across instances) and acknowledges. Goals (issue 16): >= 500 round trips/s,
 * p99 decided→notified < 100 ms, no loss.
 *
 *   node bench/fleet.bench.ts [--agents=1000] [--round-trips=5000] [--concurrency=64] [--instances=2] [--pool-size=N] [--profile=DIR]
 *
 * Plain Node script (not a vitest file). A throwaway database is created and dropped. The agents
 * register through the agent's own code; their calls go through a lean keep-alive mTLS client
 * (support/simHttp.ts), since the simulator shares the cores it measures. `--profile` runs the
 * servers with `--cpu-prof` into DIR (stopped with SIGTERM so they write it) and prints the timed
 * part on the profiles' clock; profile the simulator itself with `node --cpu-prof bench/fleet.bench.ts`.
 */
import 'reflect-metadata';
import type { ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import type * as z from 'zod';
import type { FleetIdentity } from '../apps/agent-service/src/fleet/fleetIdentity.ts';
import { registerWithFleet } from '../apps/agent-service/src/fleet/registration.ts';
import { FleetApproval, Health, StreamMessage } from '../shared/protocol/src/common/fleet.ts';
import { approvalRequest, createFleetFixture } from '../tests/fleet/support/fleetHarness.ts';
import { freePort, kill9, startFleetProcess } from '../tests/fleet/support/fleetProcess.ts';
import { createToken } from '../apps/fleet-server/src/services/tokens.ts';
import { fingerprintOf } from '../apps/fleet-server/src/pki/ca.ts';
import { cpuBetween, cpuSnapshot } from './support/procCpu.ts';
import { SimHttp } from './support/simHttp.ts';
import { percentile } from './support/stats.ts';

const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '1000' },
    'round-trips': { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '64' },
    instances: { type: 'string', default: '2' },
    profile: { type: 'string' },
    'pool-size': { type: 'string' },
  },
});
const AGENTS = Number(args.agents);
const INSTANCES = Number(args.instances);
const ROUND_TRIPS = Number(args['round-trips']);
const CONCURRENCY = Number(args.concurrency);
const APPROVERS = 8;
/**
 * The simulator reads answers and stream messages for the fields it uses, and checks every
 * SHAPE_CHECK_EVERY-th one against its schema in full: the shapes are the same each time (the
 * tests check them), and zod on every message would be simulator CPU taken from the servers.
 */
const SHAPE_CHECK_EVERY = 50;
let reads = 0;
let messages = 0;

interface SimAgent {
  identity: FleetIdentity;
  http: SimHttp;
  socket: WebSocket | null;
  waiting: Map<string, (at: number) => void>;
  notified: Map<string, number>;
}

async function inBatches<T>(count: number, size: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += size) out.push(...(await Promise.all(Array.from({ length: Math.min(size, count - i) }, (_, j) => make(i + j)))));
  return out;
}

const fx = await createFleetFixture();
const serverDir = join(fx.dataDir, 'server');
if (args.profile) process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --cpu-prof --cpu-prof-dir=${args.profile}`.trim();
const instances = await Promise.all(
  Array.from({ length: INSTANCES }, async (_, i) =>
    startFleetProcess(fx.databaseUrl, serverDir, await freePort(), [
      '--instance',
      `bench-${i + 1}`,
      '--log-level',
      'error',
      ...(args['pool-size'] ? ['--pool-size', args['pool-size']] : []),
    ]),
  ),
);
try {
  const fingerprint = fingerprintOf(readFileSync(join(serverDir, 'ca.pem'), 'utf8'));
  await fx.approver({ group: 'bench', kind: 'user', principal: 'approver', role: 'approver' });
  const setupStart = performance.now();
  const register = async (i: number, name: string): Promise<SimAgent> => {
    const { token } = await createToken(fx.admin, 'bench', 600_000, fingerprint);
    const identity = await registerWithFleet(instances[i % INSTANCES]!.url, token, join(fx.dataDir, name), name);
    return { identity, http: new SimHttp(instances[i % INSTANCES]!.url, identity), socket: null, waiting: new Map(), notified: new Map() };
  };
  const agents = await inBatches(AGENTS, 50, (i) => register(i, `agent-${i}`));
  // Approvers' machines use the other instance than the requester they answer (see below).
  const approvers = await inBatches(APPROVERS, APPROVERS, (i) => register(i, `approver-${i}`));
  let duplicates = 0;
  await inBatches(agents.length, 100, async (i) => {
    const agent = agents[i]!;
    const socket = new WebSocket(`${instances[i % INSTANCES]!.url.replace('https', 'wss')}/v1/stream`, {
      ca: agent.identity.caPem,
      cert: agent.identity.certPem,
      key: agent.identity.keyPem,
    });
    agent.socket = socket;
    await new Promise<void>((ok, fail) => {
      socket.once('error', fail);
      socket.on('message', (data) => {
        const at = performance.now();
        const message = readMessage(Buffer.isBuffer(data) ? data.toString('utf8') : '');
        if (message.type === 'hello') return ok();
        if (message.type !== 'event') return;
        socket.send(JSON.stringify({ type: 'ack', ids: [message.id] }));
        if (message.approval.status === 'Pending') return;
        if (agent.notified.has(message.approval.approvalId)) duplicates++;
        agent.notified.set(message.approval.approvalId, at);
        agent.waiting.get(message.approval.approvalId)?.(at);
      });
    });
  });
  // A real agent's health check (every 5 s) keeps its HTTPS connection open; so do the simulated ones.
  // An approver relays several decisions at once: its connections are opened before the timed part too.
  const perApprover = Math.ceil(CONCURRENCY / APPROVERS);
  const everyone = [...agents, ...approvers.flatMap((a) => Array<SimAgent>(perApprover).fill(a))];
  await inBatches(everyone.length, 100, async (i) => Health.parse(await answer(everyone[i]!.http.call('GET', '/v1/health'))));
  console.log(
    `setup: ${AGENTS} agents registered and connected (mTLS WebSockets on ${INSTANCES} instance(s)) in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`,
  );

  const actor = { uid: 1000, name: 'approver', groups: [] };
  const roundTrip: number[] = [];
  const decidedToNotified: number[] = [];
  let next = 0;
  let failures = 0;
  const worker = async () => {
    for (;;) {
      const n = next++;
      if (n >= ROUND_TRIPS) return;
      const requester = agents[n % agents.length]!;
      const approver = approvers[(n + 1) % approvers.length]!;
      const t0 = performance.now();
      try {
        const filed = read(FleetApproval, await answer(requester.http.call('POST', '/v1/approvals', approvalRequest(`bench-${n}`, `user-${n % 50}`))));
        const notified = new Promise<number>((ok) => {
          const early = requester.notified.get(filed.approvalId);
          if (early !== undefined) ok(early);
          else requester.waiting.set(filed.approvalId, ok);
        });
        const decision = read(
          FleetApproval,
          await answer(approver.http.call('POST', '/v1/approvals/decide', { actor, approvalId: filed.approvalId, decision: 'approve' })),
        );
        const decided = performance.now();
        if (decision.status !== 'Approved' || decision.approvalId !== filed.approvalId) throw new Error(`decided ${filed.approvalId}: ${decision.status}`);
        // A notification that never comes is a loss: give up on it after 30 s and count it.
        const at = await Promise.race([
          notified,
          new Promise<number>((_, fail) => setTimeout(() => fail(new Error(`no notification for ${filed.approvalId}`)), 30_000).unref()),
        ]);
        requester.waiting.delete(filed.approvalId);
        roundTrip.push(at - t0);
        decidedToNotified.push(Math.max(0, at - decided));
      } catch (error) {
        failures++;
        console.error(error);
      }
    }
  };
  // PostgreSQL's backends for this database (pools and listeners); its shared WAL writer is not counted.
  const backends = async () =>
    (await fx.admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [fx.database])).rows.map((r) => r.pid);
  const serverPids = instances.map((i) => i.pid!);
  const cpuBefore = { sim: process.cpuUsage(), servers: cpuSnapshot(serverPids), pg: cpuSnapshot(await backends()) };
  const start = performance.now();
  const startTick = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - start) / 1000;
  // The monotonic clock of every process's --cpu-prof samples: the timed part, to cut the profiles to it.
  if (args.profile) console.log(`timed part (monotonic µs): ${startTick / 1000n} ${process.hrtime.bigint() / 1000n}`);
  const simUsage = process.cpuUsage(cpuBefore.sim);
  const cpu = {
    sim: (simUsage.user + simUsage.system) / 1e6,
    servers: cpuBetween(cpuBefore.servers, cpuSnapshot(serverPids)),
    pg: cpuBetween(cpuBefore.pg, cpuSnapshot(await backends())),
  };

  const { rows } = await fx.admin.query<{ decided: number; unacked: number }>(
    "SELECT (SELECT count(*)::int FROM approvals WHERE status = 'Approved') AS decided, (SELECT count(*)::int FROM machine_events WHERE acked_at IS NULL AND payload->>'status' <> 'Pending') AS unacked",
  );
  const notifiedTotal = agents.reduce((sum, a) => sum + a.notified.size, 0);
  const rate = roundTrip.length / seconds;
  console.log(
    `machine: ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(`round trips: ${roundTrip.length} in ${seconds.toFixed(2)} s = ${rate.toFixed(0)}/s (concurrency ${CONCURRENCY}, failures ${failures})`);
  console.log(`file→decide→notified: p50 ${percentile(roundTrip, 50).toFixed(1)} ms, p99 ${percentile(roundTrip, 99).toFixed(1)} ms`);
  const perRoundTrip = (sec: number) => ((sec * 1000) / Math.max(1, roundTrip.length)).toFixed(2);
  console.log(
    `CPU per round trip: simulator ${perRoundTrip(cpu.sim)} ms, servers ${perRoundTrip(cpu.servers)} ms, PostgreSQL backends ${perRoundTrip(cpu.pg)} ms (total ${perRoundTrip(cpu.sim + cpu.servers + cpu.pg)} ms; ${cpus().length} cores = ${((cpus().length * 1000) / Math.max(0.01, ((cpu.sim + cpu.servers + cpu.pg) * 1000) / Math.max(1, roundTrip.length))).toFixed(0)} round trips/s if nothing else ran)`,
  );
  console.log(`decided→notified: p50 ${percentile(decidedToNotified, 50).toFixed(1)} ms, p99 ${percentile(decidedToNotified, 99).toFixed(1)} ms`);
  console.log(`loss check: ${rows[0]!.decided} decided in the database, ${notifiedTotal} notified, ${duplicates} duplicate notifications`);
  const met = rate >= 500 && percentile(decidedToNotified, 99) < 100 && rows[0]!.decided === notifiedTotal && duplicates === 0 && failures === 0;
  console.log(met ? 'goals met' : 'GOALS NOT MET (see above)');
  for (const instance of instances)
    for (const line of instance
      .logs()
      .split('\n')
      .filter((l) => l.includes('"level":50'))
      .slice(0, 3))
      console.log(`server error: ${line.slice(0, 600)}`);
  for (const a of [...agents, ...approvers]) {
    a.socket?.close();
    a.http.close();
  }
  process.exitCode = rows[0]!.decided === notifiedTotal && duplicates === 0 && failures === 0 ? 0 : 1;
} finally {
  await Promise.all(instances.map((i) => (args.profile ? stop(i) : kill9(i))));
  await fx.drop();
}

/** The body of a 200 answer as JSON; anything else fails the round trip. */
async function answer(response: Promise<{ status: number; body: string }>): Promise<unknown> {
  const { status, body } = await response;
  if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 300)}`);
  return JSON.parse(body);
}

function read<T extends z.ZodType>(schema: T, json: unknown): Pick<FleetApproval, 'approvalId' | 'status'> {
  if (reads++ % SHAPE_CHECK_EVERY === 0) schema.parse(json);
  const value = json as Partial<FleetApproval> | null;
  if (typeof value?.approvalId !== 'string' || typeof value.status !== 'string') throw new Error(`not an approval: ${JSON.stringify(json).slice(0, 300)}`);
  return { approvalId: value.approvalId, status: value.status };
}

type BenchMessage =
  { type: 'hello' | 'approvals.changed' | 'policy.changed' } | { type: 'event'; id: string; approval: Pick<FleetApproval, 'approvalId' | 'status'> };
function readMessage(text: string): BenchMessage {
  const json = JSON.parse(text) as unknown;
  if (messages++ % SHAPE_CHECK_EVERY === 0) StreamMessage.parse(json);
  const message = json as { type?: unknown; id?: unknown; approval?: unknown };
  if (message.type !== 'event') return message as BenchMessage;
  if (typeof message.id !== 'string') throw new Error(`an event without an id: ${text.slice(0, 300)}`);
  return { type: 'event', id: message.id, approval: read(FleetApproval, message.approval) };
}

/** SIGTERM, so a server run with --cpu-prof writes its profile. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((ok) => child.once('exit', ok));
  child.kill('SIGTERM');
  await gone;
}
