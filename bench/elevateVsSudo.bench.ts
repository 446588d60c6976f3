/**
 * What a keeper-elevate call costs, next to Debian's sudo and a bare Node start (issue 17).
 *
 *   node bench/elevateVsSudo.bench.ts [--n=30] [--agent-bin=PATH] [--before=BUNDLE [--before-agent-bin=PATH]] [--skip-source]   (after `npm run build`, which makes dist/cli)
 *
 * A real agent with an ALLOW policy for both commands; this process is root's verified desktop, as
 * in the integration tests. Per command (`/usr/bin/true`, and `head -c 1048576 /dev/zero`: 1 MB on
 * stdout), four conditions, spawned side by side and interleaved (the order rotates every round):
 * - `node -e ''`: the same Node binary starting and exiting, the floor for any Node CLI;
 * - `sudo -n CMD`: Debian's sudo, what keeper-elevate replaces (root needs no password, so -n never waits);
 * - `keeper-elevate, source`: `node apps/run-as/src/keeperElevate.ts`, what the bin ran until issue 17;
 * - `keeper-elevate, bin`: `node apps/run-as/bin/keeper-elevate.js`, what users run (the bundle);
 * - with `--before=BUNDLE`, `keeper-elevate, before`: an earlier build of the bundle (a copy of
 *   dist/cli/keeper-elevate.mjs kept inside the project, so that it finds the peer-credential addon),
 *   run with a compile cache of its own, as the bin runs the current one; with `--before-agent-bin`, against
 *   an agent of its own started from that bin (e.g. the same earlier checkout's), so that a change on both
 *   sides of the protocol is compared whole.
 * Wall time from spawn to the child's exit and closed pipes, stdout drained by this process; every
 * run's exit code and output size are checked. Plain Node script; results are in docs/benchmarks.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AGENT_BIN, makeSandbox, PROJECT_DIR, startAgent } from '../tests/support/agentProcess.ts';
import { rootDesktopFixture } from '../tests/support/desktopSessions.ts';
import { appPolicy, writePolicyDir } from '../tests/support/policyFixtures.ts';
import { percentile } from './support/stats.ts';

// --agent-bin: another checkout's agent (the client is what is measured; e.g. while the tree's agent is mid-change).
const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '30' },
    'agent-bin': { type: 'string', default: AGENT_BIN },
    before: { type: 'string' },
    'before-agent-bin': { type: 'string' },
    // Leaves out `keeper-elevate, source` (5–8x the others, the longest part of a run).
    'skip-source': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.n);
const WARMUP = 3;
const MB = 1_048_576;

const sudo = ['/usr/bin/sudo', '/bin/sudo'].find((path) => existsSync(path));
if (!sudo) {
  console.error('sudo is not installed: `apt-get install -y sudo` (Debian) installs the sudo this bench compares with.');
  process.exit(2);
}
const bundle = join(PROJECT_DIR, 'dist/cli/keeper-elevate.mjs');
if (!existsSync(bundle)) {
  console.error(`${bundle} is missing: run \`npm run build\` (or \`npm run build:cli\`) first, or the bin would run the source.`);
  process.exit(2);
}

interface Run {
  code: number | null;
  bytes: number;
  ms: number;
}

function timed(argv: readonly string[], env?: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = performance.now() - start;
      if (code !== 0) reject(new Error(`${argv.join(' ')} exited with ${code}: ${stderr}`));
      else resolve({ code, bytes, ms });
    });
  });
}

const sandbox = makeSandbox();
const desktop = rootDesktopFixture();
const policies = writePolicyDir(join(sandbox.dir, 'policies'), { 'col-true': '/usr/bin/true', 'col-head': '/usr/bin/head' }, [
  appPolicy('allow-true', 'col-true', ['ALLOW']),
  appPolicy('allow-head', 'col-head', ['ALLOW']),
]);
const agent = await startAgent({
  socket: sandbox.socket,
  dataDir: sandbox.dataDir,
  agentBin: args['agent-bin'],
  extra: ['--policies', policies, '--logind-dir', desktop.dir],
});
const beforeSandbox = args['before-agent-bin'] ? makeSandbox() : null;
const beforeAgent = beforeSandbox
  ? await startAgent({
      socket: beforeSandbox.socket,
      dataDir: beforeSandbox.dataDir,
      agentBin: args['before-agent-bin'],
      extra: ['--policies', policies, '--logind-dir', desktop.dir],
    })
  : null;
const node = process.execPath;
const commands = {
  '/usr/bin/true': { argv: ['/usr/bin/true'], bytes: 0 },
  '1 MB to stdout': { argv: ['/usr/bin/head', '-c', String(MB), '/dev/zero'], bytes: MB },
};
const conditions = (argv: readonly string[]) => ({
  "node -e ''": [node, '-e', ''],
  'sudo -n': [sudo, '-n', ...argv],
  ...(args['skip-source']
    ? {}
    : { 'keeper-elevate, source': [node, join(PROJECT_DIR, 'apps/run-as/src/keeperElevate.ts'), '--socket', sandbox.socket, ...argv] }),
  'keeper-elevate, bin': [node, join(PROJECT_DIR, 'apps/run-as/bin/keeper-elevate.js'), '--socket', sandbox.socket, ...argv],
  ...(args.before ? { 'keeper-elevate, before': [node, args.before, '--socket', (beforeSandbox ?? sandbox).socket, ...argv] } : {}),
});
const beforeEnv = { ...process.env, NODE_COMPILE_CACHE: join(sandbox.dir, 'before-compile-cache') };

try {
  console.log(`keeper-elevate vs sudo -n, real agent (ALLOW), ${ROUNDS} rounds + ${WARMUP} warm-up per command`);
  console.log(
    `host: ${cpus()[0]?.model ?? '?'} × ${availableParallelism()}, node ${process.version}, ${spawnSync(sudo, ['-V'], { encoding: 'utf8' }).stdout.split('\n')[0]}`,
  );
  if (beforeAgent) console.log(`before: its own agent, ${args['before-agent-bin']}`);
  console.log(
    `load at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  for (const [label, command] of Object.entries(commands)) {
    const all = Object.entries(conditions(command.argv));
    const samples = new Map<string, number[]>(all.map(([name]) => [name, []]));
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const order = [...all.slice(round % all.length), ...all.slice(0, round % all.length)];
      for (const [name, argv] of order) {
        const run = await timed(argv, name === 'keeper-elevate, before' ? beforeEnv : undefined);
        const expected = name === "node -e ''" ? 0 : command.bytes;
        if (run.bytes !== expected) throw new Error(`${name} ${label}: ${run.bytes} bytes on stdout, expected ${expected}`);
        if (round >= WARMUP) samples.get(name)!.push(run.ms);
      }
    }
    const median = (name: string) => percentile(samples.get(name)!, 50);
    console.log(`\n${label} (load now ${loadavg()[0]!.toFixed(2)})`);
    console.table(
      Object.fromEntries(
        [...samples.keys()].map((name) => [
          name,
          {
            'p50 ms': Number(median(name).toFixed(1)),
            'p95 ms': Number(percentile(samples.get(name)!, 95).toFixed(1)),
            "x node -e ''": Number((median(name) / median("node -e ''")).toFixed(2)),
            'x sudo': Number((median(name) / median('sudo -n')).toFixed(2)),
          },
        ]),
      ),
    );
  }
  console.log(`\ngoal: keeper-elevate, bin ≤ 1.5x node -e '' at the median; ratio to sudo ≤ 8x (was 41x)`);
} finally {
  await agent.stop();
  await beforeAgent?.stop();
  sandbox.cleanup();
  beforeSandbox?.cleanup();
  desktop.cleanup();
}
