/**
 * The audit-cleanup job's Service task: removes finished job runs (and their kept outputs) older
 * than the retention from the agent's database, and prints what it did as JSON. Audit events are
 * append-only (a trigger refuses deletes), so they are never touched here; they leave the machine
 * through the SIEM sinks.
 *
 *   keeper-agent job-tool job-run-retention DATA_DIR RETENTION_DAYS
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';

export function jobRunRetention(args: readonly string[]): number {
  const [dataDir, daysText] = args;
  const days = Number(daysText);
  if (!dataDir || !Number.isInteger(days) || days < 1) {
    process.stderr.write('usage: job-tool job-run-retention DATA_DIR RETENTION_DAYS (a whole number of days, at least 1)\n');
    return 2;
  }
  const db = new Database(join(dataDir, 'agent.db'), { fileMustExist: true });
  // The agent holds the same database open (WAL): wait for its writes instead of failing.
  db.pragma('busy_timeout = 5000');
  const cutoff = new Date(Date.now() - days * 86_400_000).toISOString();
  const removed = db.prepare("DELETE FROM job_runs WHERE status != 'running' AND started_at < ?").run(cutoff).changes;
  db.close();
  process.stdout.write(JSON.stringify({ RemovedJobRuns: removed, RetentionDays: days, Cutoff: cutoff }));
  return 0;
}
