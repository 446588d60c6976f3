/**
 * What the agent costs to start and to keep (issue 17): start to its first answer, next to a bare
 * Node start, and its resident memory idle and after 10,000 requests.
 *
 *   node bench/agentFootprint.bench.ts [--n=15] [--requests=10000] [--agent-bin=PATH] [--before=PATH] [--policies=DIR]   (after `npm run build`)
 *
 * Conditions, spawned one after the other and interleaved (the order rotates every round), each with
 * its own data folder kept across rounds (the 2 warm-up rounds create it, as a first install would):
 * - `node -e ''`: the same Node binary starting and exiting, the floor of any Node program;
 * - `agent, source`: `node apps/agent-service/src/main.ts`, the TypeScript source (what the bin ran before issue 17);
 * - `agent, bin`: `node apps/agent-service/bin/keeper-agent.js`, what `npm exec keeper-agent` runs;
 * - `agent, bundle`: what the installed service runs, its startup snapshot
 *   (`node --snapshot-blob dist/agent/keeper-agent.blob -- ARGS`, as resources/linux/keeper-agent.service), with the
 *   environment its systemd unit sets (the `Environment=` lines of the unit; a path under /var/cache, the unit's
 *   CacheDirectory, becomes one in the condition's own folder);
 * - `agent, bundle without snapshot`: `node dist/agent/keeper-agent.mjs` with the same environment and Node's compile
 *   cache in the condition's folder, what the unit ran before the snapshot.
 * Start → first answer is spawn to the answer of `agent.status` on a new connection (after
 * session.hello), the socket polled every 2 ms. Then, once per agent condition: resident memory
 * (VmRSS) 2 s after the first answer, after `--requests` agent.status calls (10 connections, 16 in
 * flight each) and after as many again, each read 2 s after the calls, so a growth per request shows as
 * a second step. `--agent-bin` replaces the bin condition's script (another checkout's agent); `--before`
 * adds `agent, before`: another bin (e.g. an earlier one laid out with its bundle), run side by side, or another
 * build's startup snapshot (a path ending in `.blob`, a copy of dist/agent with resources/ and node_modules/ linked
 * beside its folder), run as the unit runs it with the unit's environment; `--installed-only` leaves out the source,
 * bin and bundle-without-snapshot conditions (for a side by side of two blobs);
 * `--policies` replaces the shipped default policies (resources/policies), whose collections name
 * programs the agent hashes at every load (/usr/bin/node among them: ~100 MB on a machine with Node).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_SNAPSHOT_BLOB } from '../agent-snapshot.config.ts';
import { AgentStatusRequest, PROTOCOL_VERSION, SessionHello } from '../shared/protocol/src/common/index.ts';
import { AgentClient } from '../shared/protocol/src/node/agentClient.ts';
import { AGENT_BIN, makeSandbox, PROJECT_DIR } from '../tests/support/agentProcess.ts';
import { rootDesktopFixture } from '../tests/support/desktopSessions.ts';
import { percentile } from './support/stats.ts';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '15' },
    requests: { type: 'string', default: '10000' },
    'agent-bin': { type: 'string', default: AGENT_BIN },
    before: { type: 'string' },
    'installed-only': { type: 'boolean', default: false },
    policies: { type: 'string', default: join(PROJECT_DIR, 'resources/policies') },
  },
});
const ROUNDS = Number(args.n);
const REQUESTS = Number(args.requests);
const WARMUP = 2;
const node = process.execPath;
const bundle = join(PROJECT_DIR, 'dist/agent/keeper-agent.mjs');
const blob = join(PROJECT_DIR, 'dist/agent', AGENT_SNAPSHOT_BLOB);
for (const built of [bundle, blob]) {
  if (!existsSync(built)) {
    console.error(`${built} is missing: run \`npm run build\` first.`);
    process.exit(2);
  }
}

const desktop = rootDesktopFixture();
const policies = args.policies;
const jobs = join(PROJECT_DIR, 'resources/jobs');
/** Each condition's node arguments before the agent's own. */
const beforeIsBlob = args.before?.endsWith('.blob') ?? false;
const AGENTS: Record<string, string[]> = {
  ...(args['installed-only']
    ? {}
    : {
        'agent, source': [join(PROJECT_DIR, 'apps/agent-service/src/main.ts')],
        'agent, bin': [args['agent-bin']],
      }),
  'agent, bundle': ['--snapshot-blob', blob, '--'],
  ...(args['installed-only'] ? {} : { 'agent, bundle without snapshot': [bundle] }),
  ...(args.before ? { 'agent, before': beforeIsBlob ? ['--snapshot-blob', args.before, '--'] : [args.before] } : {}),
};
type AgentName = string;
/** The variables the installed service runs with: `Environment=A=1 B=2` lines of its systemd unit. */
function serviceEnvironment(): NodeJS.ProcessEnv {
  const unit = readFileSync(join(PROJECT_DIR, 'resources/linux/keeper-agent.service'), 'utf8');
  const assignments = [...unit.matchAll(/^Environment=(.*)$/gm)].flatMap((line) => line[1]!.trim().split(/\s+/));
  return Object.fromEntries(assignments.map((assignment) => [assignment.slice(0, assignment.indexOf('=')), assignment.slice(assignment.indexOf('=') + 1)]));
}
const sandboxes = new Map(Object.keys(AGENTS).map((name) => [name, makeSandbox()]));
/** The unit's folders under /var/cache are made by systemd (CacheDirectory=); here they are the condition's own, kept across rounds as there. */
function inSandbox(environment: NodeJS.ProcessEnv, name: AgentName): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [key, value?.startsWith('/var/cache/') ? join(sandboxOf(name).dir, value) : value]),
  );
}
const ENVIRONMENTS: Record<AgentName, NodeJS.ProcessEnv> = {
  'agent, bundle': { ...process.env, ...inSandbox(serviceEnvironment(), 'agent, bundle') },
  ...(beforeIsBlob ? { 'agent, before': { ...process.env, ...inSandbox(serviceEnvironment(), 'agent, before') } } : {}),
  // As the unit ran the bundle before the snapshot: with Node's compile cache in a folder kept across rounds.
  ...(args['installed-only']
    ? {}
    : {
        'agent, bundle without snapshot': {
          ...process.env,
          ...inSandbox(serviceEnvironment(), 'agent, bundle without snapshot'),
          NODE_COMPILE_CACHE: join(sandboxOf('agent, bundle without snapshot').dir, 'node-compile-cache'),
        },
      }),
};
function sandboxOf(name: AgentName): ReturnType<typeof makeSandbox> {
  const sandbox = sandboxes.get(name);
  if (!sandbox) throw new Error(`no agent condition named ${name}`);
  return sandbox;
}

function spawnAgent(name: AgentName): ChildProcess {
  const sandbox = sandboxOf(name);
  const argv = [
    ...AGENTS[name]!,
    '--socket',
    sandbox.socket,
    '--data-dir',
    sandbox.dataDir,
    '--health-port',
    '0',
    '--logind-dir',
    desktop.dir,
    '--policies',
    policies,
    '--jobs',
    jobs,
  ];
  const child = spawn(node, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: ENVIRONMENTS[name] ?? process.env });
  child.stdout.resume();
  child.stderr.resume();
  return child;
}

/** Connects as soon as the socket accepts, says hello and asks agent.status. */
async function firstAnswer(socket: string, child: ChildProcess): Promise<AgentClient> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the agent exited with ${child.exitCode} before answering`);
    let client: AgentClient;
    try {
      client = await AgentClient.connect(socket, 1_000);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 2));
      continue;
    }
    await client.request(SessionHello, { protocolVersion: PROTOCOL_VERSION, client: { kind: 'cli', name: 'footprint-bench', version: '1' } });
    await client.request(AgentStatusRequest, null);
    return client;
  }
}

function stopped(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function timeNode(): Promise<number> {
  const start = performance.now();
  await new Promise<void>((resolve, reject) =>
    spawn(node, ['-e', ''], { stdio: 'ignore' }).once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`node -e '' exited with ${code}`)))),
  );
  return performance.now() - start;
}

async function timeAgent(name: AgentName): Promise<number> {
  const start = performance.now();
  const child = spawnAgent(name);
  const client = await firstAnswer(sandboxOf(name).socket, child);
  const ms = performance.now() - start;
  client.close();
  await stopped(child);
  return ms;
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const settle = () => new Promise((resolve) => setTimeout(resolve, 2_000));

/** `count` agent.status calls over 10 connections, 16 in flight on each. */
async function load(socket: string, count: number): Promise<void> {
  const perConnection = Math.ceil(count / 10);
  for (let c = 0; c < 10; c++) {
    const client = await AgentClient.connect(socket);
    await client.request(SessionHello, { protocolVersion: PROTOCOL_VERSION, client: { kind: 'cli', name: 'footprint-bench', version: '1' } });
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < perConnection) {
          next++;
          await client.request(AgentStatusRequest, null);
        }
      }),
    );
    client.close();
  }
}

async function footprint(name: AgentName): Promise<{ idle: number; after: number; afterTwice: number }> {
  const child = spawnAgent(name);
  const client = await firstAnswer(sandboxOf(name).socket, child);
  client.close();
  await settle();
  const idle = rssMb(child.pid!);
  await load(sandboxOf(name).socket, REQUESTS);
  await settle();
  const after = rssMb(child.pid!);
  await load(sandboxOf(name).socket, REQUESTS);
  await settle();
  const afterTwice = rssMb(child.pid!);
  await stopped(child);
  return { idle, after, afterTwice };
}

try {
  console.log(
    `agent footprint: start → first answer (${ROUNDS} rounds + ${WARMUP} warm-up), RSS idle and after ${REQUESTS} and ${2 * REQUESTS} agent.status calls`,
  );
  console.log(`host: ${cpus()[0]?.model ?? '?'} × ${availableParallelism()}, node ${process.version}; bin: ${AGENTS['agent, bin']?.[0] ?? '-'}`);
  console.log(
    `load at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const conditions: Array<[string, () => Promise<number>]> = [
    ["node -e ''", timeNode],
    ...Object.keys(AGENTS).map((name): [string, () => Promise<number>] => [name, () => timeAgent(name)]),
  ];
  const samples = new Map<string, number[]>(conditions.map(([name]) => [name, []]));
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    const order = [...conditions.slice(round % conditions.length), ...conditions.slice(0, round % conditions.length)];
    for (const [name, run] of order) {
      const ms = await run();
      if (round >= WARMUP) samples.get(name)!.push(ms);
    }
  }
  const median = (name: string) => percentile(samples.get(name)!, 50);
  console.log(`\nstart → first answer (load now ${loadavg()[0]!.toFixed(2)})`);
  console.table(
    Object.fromEntries(
      [...samples.keys()].map((name) => [
        name,
        {
          'p50 ms': Number(median(name).toFixed(1)),
          'p95 ms': Number(percentile(samples.get(name)!, 95).toFixed(1)),
          "x node -e ''": Number((median(name) / median("node -e ''")).toFixed(2)),
        },
      ]),
    ),
  );
  const memory: Record<string, Record<string, number>> = {};
  for (const name of Object.keys(AGENTS)) {
    const { idle, after, afterTwice } = await footprint(name);
    memory[name] = {
      'idle MB': Number(idle.toFixed(1)),
      [`after ${REQUESTS} MB`]: Number(after.toFixed(1)),
      [`after ${2 * REQUESTS} MB`]: Number(afterTwice.toFixed(1)),
      'growth MB': Number((after - idle).toFixed(1)),
      'second step MB': Number((afterTwice - after).toFixed(1)),
    };
  }
  console.log(`\nresident memory (load now ${loadavg()[0]!.toFixed(2)})`);
  console.table(memory);
  console.log(`\ngoals: start → first answer ≤ 3x node -e ''; idle ≤ 60 MB; after ${REQUESTS} requests ≤ idle + 20 MB`);
} finally {
  for (const sandbox of sandboxes.values()) sandbox.cleanup();
  desktop.cleanup();
}
