/**
 * Cost of one audit append before and after the hash chain (issue 20), side by side in one run:
 *
 *   node bench/auditAppend.bench.ts [--n=5000] [--block=100]
 *
 * "before" is the append as it was (one INSERT of the row, in the schema before the chain step);
 * "after" is AuditLog.append as shipped (read the head, sha256, INSERT, in one IMMEDIATE transaction,
 * and an Ed25519-signed checkpoint every CHECKPOINT_EVERY events). Both on a file database with the
 * agent's pragmas (WAL, synchronous NORMAL), in alternating blocks so load hits both alike. The same
 * events go to both. Results are described in docs/benchmarks.md.
 */
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { AuditLog, type AuditEvent } from '../apps/agent-service/src/audit/auditLog.ts';
import { MIGRATIONS, openAgentDatabase } from '../apps/agent-service/src/store/database.ts';
import { percentileOfSorted } from './support/stats.ts';

const { values: args } = parseArgs({ options: { n: { type: 'string', default: '5000' }, block: { type: 'string', default: '100' } } });
const N = Number(args.n);
const BLOCK = Number(args.block);
const dir = mkdtempSync(join(tmpdir(), 'audit-append-bench-'));

const oldDir = join(dir, 'before');
const newDir = join(dir, 'after');
const before = (() => {
  mkdirSync(oldDir);
  const db = new Database(join(oldDir, 'agent.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  for (const step of MIGRATIONS.slice(
    0,
    MIGRATIONS.findIndex((m) => m.includes('ADD COLUMN prev_hash')),
  ))
    db.exec(step);
  const insert = db.prepare('INSERT INTO audit_events (id, at, type, actor_uid, request_id, data_json) VALUES (@id, @at, @type, @actorUid, @requestId, @data)');
  return {
    db,
    append: (event: AuditEvent, at: Date) =>
      insert.run({
        id: randomUUID(),
        at: at.toISOString(),
        type: event.type,
        actorUid: event.actorUid,
        requestId: event.requestId,
        data: JSON.stringify(event.data),
      }),
  };
})();
mkdirSync(newDir, { mode: 0o700 });
const newDb = openAgentDatabase(newDir);
const privateKey = generateKeyPairSync('ed25519').privateKey;
const after = new AuditLog({
  db: newDb,
  signer: { privateKey, publicKey: createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64') },
});

const event = (i: number): AuditEvent => ({
  type: i % 3 === 0 ? 'elevation.denied' : 'elevation.allowed',
  actorUid: 1000 + (i % 50),
  requestId: randomUUID(),
  data: {
    executable: `/usr/bin/tool-${i % 30}`,
    commandLine: `/usr/bin/tool-${i % 30} --flag item${i}`,
    policyId: 'pol-1',
    controls: ['JUSTIFY', 'MFA'],
    outcome: 'allowed',
  },
});

const samples = { before: [] as number[], after: [] as number[] };
const runBlock = (which: 'before' | 'after', from: number) => {
  for (let i = from; i < from + BLOCK; i++) {
    const e = event(i);
    const at = new Date();
    const start = process.hrtime.bigint();
    if (which === 'before') before.append(e, at);
    else after.append(e, at);
    samples[which].push(Number(process.hrtime.bigint() - start) / 1000);
  }
};
for (let from = 0; from < N; from += BLOCK) {
  const order: ('before' | 'after')[] = (from / BLOCK) % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
  for (const which of order) runBlock(which, from);
}

const row = (which: 'before' | 'after') => {
  const sorted = [...samples[which]].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { which, p50: percentileOfSorted(sorted, 50), p95: percentileOfSorted(sorted, 95), p99: percentileOfSorted(sorted, 99), mean };
};
const rows = [row('before'), row('after')];
console.log(`audit append, ${N} events each, blocks of ${BLOCK}, load ${loadavg()[0]!.toFixed(1)}`);
console.log('| append | p50 µs | p95 µs | p99 µs | mean µs |');
console.log('|---|---:|---:|---:|---:|');
for (const r of rows) console.log(`| ${r.which} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.mean.toFixed(1)} |`);
console.log(
  `after/before: p50 ${(rows[1]!.p50 / rows[0]!.p50).toFixed(2)}x, mean ${(rows[1]!.mean / rows[0]!.mean).toFixed(2)}x; checkpoints written: ${after.checkpoints().length}`,
);
before.db.close();
newDb.close();
rmSync(dir, { recursive: true, force: true });
