/**
 * `approvals.list` paging: what one page of 500 costs against all pages of a long queue, over the
 * real agent protocol. Goal: a page costs about a page, so listing all pages costs about the page
 * count times one page (ratio all ÷ first page near the page count), not the page count times the
 * whole table.
 *
 *   node bench/approvalsList.bench.ts [--n=7] [--open=10000] [--decided=2000]
 *
 * The records are real: `open` pending requests and `decided` decided ones (Approved, Denied,
 * Expired in turn, spread among them), with their audit events and `mfa.verified` events for the
 * approved ones, written into the agent's own SQLite store before it starts
 * (tests/support/approvalSeed.ts, as bench/approverFilter.bench.ts seeds its queue). The real agent
 * lists them; the client pages through them as the desktop's approver queue does (limit 500, then
 * each nextOffset). Each round times every page's round trip; the medians over the rounds of the
 * first page, the last page and all pages are printed, with the ratio of all pages to the first.
 * That ratio is near the page count whenever every page costs the same, so beside it, interleaved:
 * a second agent whose store holds just one page of records (same proportions), asked for its page
 * as many times per round as the big store has pages (so both agents are equally warm), and the
 * ratio of the big store's first page to that page, near 1 when a page does not grow with the store.
 *
 * Side by side in the same run, on the same SQLite file: the extras as the agent computed them for
 * every page before (one grouping of the whole approvals table and every `mfa.verified` event), so
 * the table shows what each page no longer pays. Every listed record's history and MFA identity is
 * checked against the whole-table computation first; a difference aborts the bench.
 *
 * Plain Node script (not a vitest file). Results are in docs/benchmarks.md.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { ApprovalsList, type Approval, type ResultOf } from '../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../shared/protocol/src/node/agentClient.ts';
import { connectClient, makeSandbox, startAgent } from '../tests/support/agentProcess.ts';
import { seedApprovals, wholeTableExtras } from '../tests/support/approvalSeed.ts';
import { percentile } from './support/stats.ts';

const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '7' }, open: { type: 'string', default: '10000' }, decided: { type: 'string', default: '2000' } },
});
const ROUNDS = Number(args.n);
const OPEN = Number(args.open);
const DECIDED = Number(args.decided);
const PAGE = 500;

/** One pass through the list as the approver queue makes it: each page's round-trip time, and the records. */
async function listAllPages(client: AgentClient): Promise<{ times: number[]; approvals: Approval[] }> {
  const times: number[] = [];
  const approvals: Approval[] = [];
  for (let offset: number | null | undefined = 0; offset !== null && offset !== undefined;) {
    const start = performance.now();
    const page: ResultOf<typeof ApprovalsList> = await client.request(ApprovalsList, { limit: PAGE, offset });
    times.push(performance.now() - start);
    approvals.push(...page.approvals);
    offset = page.nextOffset;
  }
  return { times, approvals };
}

/** The two whole-table queries the agent ran for every page before (history groups, every MFA verification). */
function oldPageExtras(db: Database.Database): number {
  const groups = db
    .prepare(
      `SELECT requester_uid AS uid, COALESCE('sha256:' || sha256, 'path:' || path) AS app, COUNT(*) AS asked,
              SUM(status = 'Approved') AS approved, SUM(status = 'Denied') AS denied
       FROM approvals GROUP BY requester_uid, app`,
    )
    .all();
  const verified = db
    .prepare(`SELECT request_id, at, actor_uid FROM audit_events WHERE type = 'mfa.verified' AND request_id IN (SELECT request_id FROM approvals) ORDER BY seq`)
    .all();
  return groups.length + verified.length;
}

/** A real agent over a store seeded with `counts`, and a desktop client connected to it. */
async function seededAgent(counts: { open: number; decided: number }) {
  const sandbox = makeSandbox();
  const config = join(sandbox.dir, 'agent.json');
  writeFileSync(config, JSON.stringify({ approvals: { administrators: { users: ['root'], groups: [] } } }));
  // First start creates the store; the rows go in while the agent is stopped.
  await (await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--config', config] })).stop();
  seedApprovals(sandbox.dataDir, counts);
  const agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--config', config] });
  const client = await connectClient(sandbox.socket, 'desktop');
  return {
    sandbox,
    client,
    async dispose() {
      client.close();
      await agent.stop();
      sandbox.cleanup();
    },
  };
}

const big = await seededAgent({ open: OPEN, decided: DECIDED });
// One page's worth of records in the same proportions: what a page costs when the store is one page.
const share = (count: number) => Math.round((PAGE * count) / (OPEN + DECIDED));
const small = await seededAgent({ open: share(OPEN), decided: share(DECIDED) });
const client = big.client;
const db = new Database(join(big.sandbox.dataDir, 'agent.db'), { readonly: true });
try {
  const warm = await listAllPages(client);
  const reference = wholeTableExtras(db);
  for (const approval of warm.approvals) {
    const expected = reference.get(approval.approvalId);
    if (!isDeepStrictEqual({ requesterHistory: approval.requesterHistory, mfa: approval.mfa }, expected)) {
      throw new Error(
        `approval ${approval.approvalId}: listed ${JSON.stringify([approval.requesterHistory, approval.mfa])}, whole table says ${JSON.stringify(expected)}`,
      );
    }
  }
  const withMfa = warm.approvals.filter((a) => a.mfa).length;
  const pages = Math.ceil(warm.approvals.length / PAGE);
  const median = (values: number[]) => percentile(values, 50);

  const first: number[] = [];
  const last: number[] = [];
  const all: number[] = [];
  const old: number[] = [];
  const alone: number[] = [];
  await listAllPages(small.client);
  for (let round = 0; round < ROUNDS; round++) {
    // As many requests as the big store's pass, so both agents are equally warm; their median.
    const smallPage: number[] = [];
    for (let i = 0; i < pages; i++) smallPage.push((await listAllPages(small.client)).times[0]!);
    alone.push(median(smallPage));
    const { times } = await listAllPages(client);
    first.push(times[0]!);
    last.push(times.at(-1)!);
    all.push(times.reduce((sum, t) => sum + t, 0));
    const start = performance.now();
    oldPageExtras(db);
    old.push(performance.now() - start);
  }
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  console.log(
    `host: ${cpus()[0]?.model ?? '?'} ×${availableParallelism()}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `store: ${OPEN} open + ${DECIDED} decided records; listed ${warm.approvals.length} in ${pages} pages of ${PAGE} (${withMfa} with MFA); all checked against the whole table`,
  );
  console.log(`rounds: ${ROUNDS} (medians)`);
  console.log(`first page              ${ms(median(first))}`);
  console.log(`last page               ${ms(median(last))}`);
  console.log(`all pages               ${ms(median(all))}  (mean page ${ms(median(all) / pages)})`);
  console.log(`ratio all ÷ first page  ${(median(all) / median(first)).toFixed(1)} (page count ${pages}; near it when a page costs a page)`);
  console.log(`a store of one page      ${ms(median(alone))}  (the only page of a store of ${PAGE} records, same proportions, its own agent)`);
  console.log(`ratio first ÷ one-page  ${(median(first) / median(alone)).toFixed(2)} (near 1 when a page does not grow with the store)`);
  console.log(`old per-page extras     ${ms(median(old))}  (whole-table history groups + every mfa.verified, in this process)`);
} finally {
  db.close();
  await big.dispose();
  await small.dispose();
}
