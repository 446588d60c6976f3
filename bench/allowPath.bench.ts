/**
 * The ALLOW path, before and after a change: `elevation.request` → `elevation.run` → the program's
 * `elevation.exited`, for `/usr/bin/true` under an ALLOW policy, against two real agents side by
 * side in one run: the agent of a baseline commit (checked out into a temporary git worktree that
 * shares this tree's node_modules) and the agent of the working tree.
 *
 *   node bench/allowPath.bench.ts [--baseline=REF] [--n=200] [--warmup=20]
 *
 * Both agents run as root from source on the same kind of socket folder and policies; one client
 * process (this one) talks to both through the working tree's AgentClient, alternating agents every
 * round (the order rotating), so machine load lands on both alike. Each sample is one whole
 * request on a fresh request id: decide (hash, policy), record, run (spawn as root), exit.
 *
 * Plain Node script (not a vitest file). Results are described in docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ElevationExited, ElevationRequest, ElevationRun, PROTOCOL_VERSION, SessionHello } from '../shared/protocol/src/common/index.ts';
import { AgentClient } from '../shared/protocol/src/node/agentClient.ts';
import { PROJECT_DIR, startAgent, type AgentProcess } from '../tests/support/agentProcess.ts';
import { percentile } from './support/stats.ts';

const { values: args } = parseArgs({
  options: { baseline: { type: 'string', default: 'f451766' }, n: { type: 'string', default: '200' }, warmup: { type: 'string', default: '20' } },
});
const N = Number(args.n);
const WARMUP = Number(args.warmup);
const PROGRAM = '/usr/bin/true';

interface Side {
  readonly name: string;
  readonly agent: AgentProcess;
  readonly client: AgentClient;
  readonly samples: number[];
  /** The same requests split: elevation.request answered, then elevation.run → exited. */
  readonly decide: number[];
  readonly run: number[];
}

/** A sandbox the hardened agent accepts: root-owned 0755 root, 0700 data folder, policies 0755. */
function sandbox(name: string): { root: string; socket: string; dataDir: string; policies: string; config: string } {
  const root = mkdtempSync(join(tmpdir(), `kpb-${name}-`));
  chmodSync(root, 0o755);
  const dataDir = join(root, 'data');
  const policies = join(root, 'policies');
  const socketDir = join(root, 'run');
  mkdirSync(dataDir, { mode: 0o700 });
  mkdirSync(policies, { mode: 0o755 });
  mkdirSync(socketDir, { mode: 0o755 });
  writeFileSync(
    join(policies, 'collections.json'),
    JSON.stringify({ Collections: [{ CollectionId: 'true', Type: 'Application', Members: [{ Path: PROGRAM }] }] }),
  );
  writeFileSync(
    join(policies, 'policies.json'),
    JSON.stringify([
      {
        PolicyName: 'Allow true',
        PolicyId: 'allow-true',
        PolicyType: 'PrivilegeElevation',
        Status: 'enforce',
        ApplicationCheck: ['true'],
        Actions: { OnSuccess: { Controls: ['ALLOW'] } },
      },
    ]),
  );
  // The bench asks faster than a person would: lift the per-connection request rate limit.
  const config = join(root, 'agent.json');
  writeFileSync(config, JSON.stringify({ limits: { elevationRequestsPer10s: 1_000_000 } }));
  return { root, socket: join(socketDir, 'agent.sock'), dataDir, policies, config };
}

/** The baseline's agent from a detached worktree; node_modules is this tree's (same lockfile family). */
function baselineWorktree(ref: string): string {
  const dir = join(tmpdir(), `keeper-baseline-${ref.replace(/[^A-Za-z0-9]/g, '')}`);
  if (!existsSync(join(dir, 'package.json'))) {
    rmSync(dir, { recursive: true, force: true });
    execFileSync('git', ['-C', PROJECT_DIR, 'worktree', 'add', '--detach', '--force', dir, ref], { stdio: 'ignore' });
    symlinkSync(join(PROJECT_DIR, 'node_modules'), join(dir, 'node_modules'));
  }
  return dir;
}

async function openSide(name: string, agentBin: string): Promise<Side> {
  const box = sandbox(name);
  const agent = await startAgent({ socket: box.socket, dataDir: box.dataDir, extra: ['--policies', box.policies, '--config', box.config], agentBin });
  const client = await AgentClient.connect(box.socket);
  await client.request(SessionHello, { protocolVersion: PROTOCOL_VERSION, client: { kind: 'cli', name: 'allow-bench', version: '1' } });
  return { name, agent, client, samples: [], decide: [], run: [] };
}

/** One whole ALLOW request: decide, run, exited; returns [whole, decide, run] in ms. */
async function once(side: Side): Promise<[number, number, number]> {
  const started = performance.now();
  const request = await side.client.request(ElevationRequest, { executable: PROGRAM, arguments: [], cwd: '/' });
  const decided = performance.now();
  if (request.state !== 'allowed') throw new Error(`${side.name}: ${PROGRAM} was ${request.state}, not allowed: ${request.decision.reason}`);
  const exited = new Promise<void>((resolve, reject) => {
    const subscription = side.client.onNotification(ElevationExited, (event) => {
      if (event.runId !== runId) return;
      subscription.dispose();
      if (event.code === 0) resolve();
      else reject(new Error(`${side.name}: ${PROGRAM} exited ${event.code}`));
    });
  });
  const { runId } = await side.client.request(ElevationRun, { requestId: request.requestId });
  await exited;
  const ended = performance.now();
  return [ended - started, decided - started, ended - decided];
}

const baselineDir = baselineWorktree(args.baseline);
const sides = [
  await openSide('baseline', join(baselineDir, 'apps/agent-service/bin/keeper-agent.js')),
  await openSide('current', join(PROJECT_DIR, 'apps/agent-service/bin/keeper-agent.js')),
];
try {
  for (let round = 0; round < WARMUP + N; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const [whole, decide, run] = await once(side);
      if (round >= WARMUP) {
        side.samples.push(whole);
        side.decide.push(decide);
        side.run.push(run);
      }
    }
  }
} finally {
  for (const side of sides) {
    side.client.close();
    await side.agent.stop();
  }
}

const [baseline, current] = sides as [Side, Side];
const cells = (values: number[]) => [50, 95, 99].map((p) => percentile(values, p).toFixed(2));
console.log(
  `allowPath: ${N} rounds, warm-up ${WARMUP}; baseline ${args.baseline}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log('| agent | request → exited p50 / p95 / p99 ms | request → decided p50 / p95 / p99 ms | run → exited p50 / p95 / p99 ms |');
console.log('|---|---:|---:|---:|');
for (const side of sides)
  console.log(`| ${side.name} | ${cells(side.samples).join(' / ')} | ${cells(side.decide).join(' / ')} | ${cells(side.run).join(' / ')} |`);
for (const p of [50, 95, 99]) {
  const ratio = (pick: (side: Side) => number[]) => (percentile(pick(current), p) / percentile(pick(baseline), p)).toFixed(2);
  console.log(`current/baseline p${p}: whole ${ratio((s) => s.samples)}x, decide ${ratio((s) => s.decide)}x, run ${ratio((s) => s.run)}x`);
}
