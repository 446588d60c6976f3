/**
 * Every bench in bench/ run as its user runs it (`node bench/<name>.bench.ts`), at its smallest
 * meaningful size, so a bench that rots (an API or constructor change, a schema rule) fails CI
 * instead of the next person who measures. Asserted: exit code 0 and the bench's result table or
 * ratio lines, by their labels, never their numbers (speed goals are benchmarks, not tests).
 *
 * One after the other: they measure, and some hold ports or a browser. Prerequisites as in
 * `npm test`: the builds of `npm run build`, Chromium, PostgreSQL (KEEPER_FLEET_TEST_PG, as the
 * fleet tests), Debian's sudo (elevateVsSudo; skipped with its reason when absent).
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_DIR } from '../support/agentProcess.ts';

const run = promisify(execFile);
const hasSudo = ['/usr/bin/sudo', '/bin/sudo'].some((path) => existsSync(path));
/** allowPath's baseline agent comes from a worktree of this commit: a shallow clone may not have it. */
const BASELINE = 'f451766';
const hasBaseline = spawnSync('git', ['-C', PROJECT_DIR, 'cat-file', '-e', `${BASELINE}^{commit}`]).status === 0;

interface BenchCase {
  readonly name: string;
  readonly args: readonly string[];
  /** Lines of the result, by label (numbers matched by shape only). */
  readonly shows: readonly RegExp[];
  /** Outputs of `npm run build` the bench runs. */
  readonly builds?: readonly string[];
  /** Why the bench cannot run on this machine, if it cannot. */
  readonly skip?: string | false;
}

const NUMBER = String.raw`[\d.]+`;

const CASES: readonly BenchCase[] = [
  { name: 'accountLookup', args: ['--n=2'], shows: [/│ local files\s+│/, /│ getent \+ id\s+│/, /x getent \+ id/] },
  {
    name: 'auditAppend',
    args: ['--n=200', '--block=100'],
    shows: [/^\| before \|/m, /^\| after \|/m, new RegExp(`after/before: p50 ${NUMBER}x, mean ${NUMBER}x`)],
  },
  {
    name: 'policyDecision',
    args: ['--policies=200', '--collections=20', '--requests=100', '--request-users=20'],
    shows: [new RegExp(`PolicySet:\\s+${NUMBER}x faster than naive at p50, ${NUMBER}x at p99`)],
  },
  { name: 'webShellPeerCheck', args: ['--rounds=2'], shows: [new RegExp(`^burst 6: ${NUMBER} ms/connection without the check, ${NUMBER} with it`, 'm')] },
  {
    name: 'protocolRoundTrip',
    args: ['--n=20', '--warmup=5'],
    shows: [/^\| agent\.status, real agent \(AgentClient\) \|/m, new RegExp(`ratio agent/raw: p50 ${NUMBER}x, p99 ${NUMBER}x`)],
  },
  // Each `explain all` asks once per application and the agent answers one caller 60 at once.
  { name: 'quickElevateAllowed', args: ['--n=2', '--apps=10'], shows: [/'open, kept list'/, /'refresh, unchanged'/, /explain all \/ this \(p50\)/] },
  // Two pages of 500 and a second one-page store: the smallest store where paging shows.
  {
    name: 'approvalsList',
    args: ['--n=1', '--open=600', '--decided=100'],
    shows: [new RegExp(`ratio all ÷ first page\\s+${NUMBER}`), new RegExp(`ratio first ÷ one-page\\s+${NUMBER}`)],
  },
  {
    name: 'elevateVsSudo',
    args: ['--n=1'],
    builds: ['dist/cli/keeper-elevate.mjs'],
    shows: [/│ sudo -n\s+│/, /│ keeper-elevate, bin\s+│/, /1 MB to stdout/],
    skip: !hasSudo && 'sudo is not installed (`apt-get install -y sudo`; .ci/run installs it)',
  },
  {
    name: 'agentFootprint',
    args: ['--n=1', '--requests=50'],
    builds: ['dist/agent/keeper-agent.mjs'],
    shows: [/│ agent, bundle\s+│/, /growth MB/],
  },
  {
    name: 'fleet',
    args: ['--agents=4', '--round-trips=20', '--concurrency=2'],
    shows: [
      new RegExp(`round trips: 20 in ${NUMBER} s = ${NUMBER}/s \\(concurrency 2, failures 0\\)`),
      /loss check: 20 decided in the database, 20 notified, 0 duplicate/,
    ],
  },
  {
    name: 'allowPath',
    args: [`--baseline=${BASELINE}`, '--n=2', '--warmup=1'],
    shows: [/^\| baseline \|/m, /^\| current \|/m, new RegExp(`current/baseline p50: whole ${NUMBER}x`)],
    skip: !hasBaseline && `commit ${BASELINE} is not in this clone (a shallow one?)`,
  },
  {
    name: 'promptLatency',
    args: ['--n=1', '--warmup=0'],
    builds: ['dist/renderer'],
    shows: [new RegExp(`pre-warmed/blank: p50 ${NUMBER}x`), new RegExp(`cold/blank: p50 ${NUMBER}x`), /^\| keeper-justification \|/m],
  },
  {
    name: 'approverFilter',
    args: ['--n=1', '--requests=100'],
    builds: ['dist/renderer'],
    shows: [/'all 100 requests'/, /'floor: plain input, same page'/, new RegExp(`ratio all / floor at p95 \\(work\\): ${NUMBER}`)],
  },
];

// Tests of a file run one after another (none is concurrent), and this tier has just this file.
describe('every bench at a small size', () => {
  it('covers every bench in bench/', () => {
    const benches = readdirSync(join(PROJECT_DIR, 'bench')).filter((file) => file.endsWith('.bench.ts'));
    expect(CASES.map((c) => `${c.name}.bench.ts`).sort()).toEqual(benches.sort());
  });

  for (const bench of CASES) {
    if (bench.skip) console.warn(`bench/${bench.name}.bench.ts skipped: ${bench.skip}`);
    it.skipIf(Boolean(bench.skip))(`${bench.name}${bench.skip ? ` (skipped: ${bench.skip})` : ''}`, { timeout: 180_000 }, async () => {
      for (const output of bench.builds ?? []) {
        if (!existsSync(join(PROJECT_DIR, output))) throw new Error(`${output} is missing: run \`npm run build\` first`);
      }
      const result = await run(process.execPath, [join('bench', `${bench.name}.bench.ts`), ...bench.args], {
        cwd: PROJECT_DIR,
        encoding: 'utf8',
        timeout: 170_000,
        maxBuffer: 16 * 1024 * 1024,
      }).catch((error: { code?: number; stdout?: string; stderr?: string }) => {
        throw new Error(`bench/${bench.name}.bench.ts exited ${error.code}:\n${error.stderr ?? ''}\n${error.stdout ?? ''}`);
      });
      for (const line of bench.shows) expect(result.stdout).toMatch(line);
    });
  }
});
