/**
 * The caller's account on a cold cache (issue 17): what `session.hello` and a decision wait for once
 * per uid a minute. The local files (`identity/localAccounts.ts`, used where NSS would answer from
 * them alone) against the NSS tools (`getent passwd UID` then `id -Gn NAME`), interleaved.
 *
 *   node bench/accountLookup.bench.ts [--n=40] [--uid=1001]
 *
 * Run in this small process, a spawn costs less than in the agent, whose fork copies a larger page
 * table (see docs/benchmarks.md). Plain Node script; results are in docs/benchmarks.md.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { AccountDirectory } from '../apps/agent-service/src/identity/accounts.ts';
import { percentile } from './support/stats.ts';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '40' }, uid: { type: 'string', default: '1001' } } });
const uid = Number(args.uid);
const conditions = [
  { name: 'local files', directory: () => new AccountDirectory(), ms: [] as number[] },
  { name: 'getent + id', directory: () => new AccountDirectory({ files: null }), ms: [] as number[] },
];
const expected = JSON.stringify(await conditions[1]!.directory().lookupAsync(uid));
for (let round = 0; round < Number(args.n); round++) {
  for (const condition of round % 2 === 0 ? conditions : [...conditions].reverse()) {
    const directory = condition.directory();
    const started = performance.now();
    const account = await directory.lookupAsync(uid);
    condition.ms.push(performance.now() - started);
    if (JSON.stringify(account) !== expected) throw new Error(`${condition.name} gave ${JSON.stringify(account)}, NSS ${expected}`);
  }
}
const nss = percentile(conditions[1]!.ms, 50);
console.log(
  `cold account lookup of uid ${uid} (${expected}), ${args.n} rounds, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.table(
  Object.fromEntries(
    conditions.map((c) => [
      c.name,
      { 'p50 ms': +percentile(c.ms, 50).toFixed(2), 'p95 ms': +percentile(c.ms, 95).toFixed(2), 'x getent + id': +(percentile(c.ms, 50) / nss).toFixed(2) },
    ]),
  ),
);
