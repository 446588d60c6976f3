/**
 * Quick-elevate's "allowed applications": what opening the window costs for that list, before and
 * after it was kept per policy load.
 *
 *   node bench/quickElevateAllowed.bench.ts [--n=20] [--apps=40]
 *
 * A real agent with the shipped default policies (resources/policies) and 40 installed applications
 * (`--apps`; freedesktop .desktop entries, each starting a real program in /usr/bin: the most quick-elevate
 * asks about). Three conditions, measured side by side and interleaved per round:
 * - `explain all`: one `policy.explain` per application, as every open did before;
 * - `open, kept list`: what an open waits for now: the last list, while `refresh` runs behind it;
 * - `refresh, unchanged`: that background refresh when the policies and applications are the same
 *   (it reads the .desktop entries again and asks the agent nothing).
 * Plain Node script (not a vitest file). Results are in docs/benchmarks.md.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { filter, firstValueFrom } from 'rxjs';
import { AgentLink } from '../apps/desktop/src/main/agent/agentLink.ts';
import { allowedApplications, AllowedApplicationsCache } from '../apps/desktop/src/main/quickElevate/allowedApplications.ts';
import { installedApplications } from '../apps/desktop/src/main/quickElevate/installedApplications.ts';
import { quickElevateExplainer } from '../apps/desktop/src/main/quickElevate/quickElevateMainService.ts';
import { makeSandbox, PROJECT_DIR, startAgent } from '../tests/support/agentProcess.ts';
import { percentile } from './support/stats.ts';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '20' }, apps: { type: 'string', default: '40' } } });
const ROUNDS = Number(args.n);
const APPLICATIONS = Number(args.apps);
// Every `explain all` and the first refresh ask once per application (warm-up included): the bench's
// agent lets this one caller ask all of them at once (`limits.policyChecksBurst`), as it measures
// the agent's answers, not its rate limit.
const EXPLAINS = APPLICATIONS * (ROUNDS + 2);

const sandbox = makeSandbox();
const apps = join(sandbox.dir, 'applications');
mkdirSync(apps);
const programs = readdirSync('/usr/bin')
  .filter((name) => /^[a-z][a-z0-9-]+$/.test(name))
  .slice(0, APPLICATIONS);
for (const name of programs) writeFileSync(join(apps, `${name}.desktop`), `[Desktop Entry]\nType=Application\nName=${name}\nExec=${name}\n`);
const config = join(sandbox.dir, 'agent.json');
writeFileSync(config, JSON.stringify({ limits: { policyChecksBurst: EXPLAINS } }));
const agent = await startAgent({
  socket: sandbox.socket,
  dataDir: sandbox.dataDir,
  extra: ['--policies', join(PROJECT_DIR, 'resources/policies'), '--config', config],
});
const link = new AgentLink({ socketPath: sandbox.socket, clientVersion: 'bench' });
link.start();
try {
  await firstValueFrom(link.status$.pipe(filter((view) => view.connection === 'connected')));
  const candidates = () => installedApplications([apps], { PATH: '/usr/bin:/bin' });
  if (candidates().length !== APPLICATIONS) throw new Error(`expected ${APPLICATIONS} applications, found ${candidates().length}`);
  const explain = quickElevateExplainer(link, '/');
  const log = (_shown: unknown, raw: string) => {
    throw new Error(`the agent refused: ${raw}`);
  };
  const cache = new AllowedApplicationsCache({ candidates, explain, log, policiesLoadedAt: () => link.current.status?.policies.loadedAt ?? null });
  await cache.refresh();

  const conditions = {
    'explain all': () => allowedApplications(candidates(), explain, log),
    'open, kept list': async () => {
      const refreshed = cache.refresh();
      await firstValueFrom(cache.list$);
      return refreshed;
    },
    'refresh, unchanged': () => cache.refresh(),
  };
  const results = new Map<string, number[]>(Object.keys(conditions).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = Object.entries(conditions);
    if (round % 2 === 1) order.reverse();
    for (const [name, run] of order) {
      const start = performance.now();
      const done = run();
      // For "open" the clock stops when the list is there; the refresh behind it is awaited after.
      if (name === 'open, kept list') {
        results.get(name)!.push(performance.now() - start);
        await done;
      } else {
        await done;
        results.get(name)!.push(performance.now() - start);
      }
    }
  }
  const base = percentile(results.get('explain all')!, 50);
  console.log(`Quick-elevate allowed list, ${APPLICATIONS} installed applications, default policies, real agent; ${ROUNDS} rounds`);
  console.log(
    `host: ${cpus()[0]?.model ?? '?'} × ${availableParallelism()}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.table(
    [...results].map(([name, values]) => ({
      name,
      p50: percentile(values, 50).toFixed(2),
      p95: percentile(values, 95).toFixed(2),
      'explain all / this (p50)': (base / percentile(values, 50)).toFixed(0),
    })),
  );
} finally {
  link.stop();
  await agent.stop();
  sandbox.cleanup();
}
