import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { defaultDataDir } from '../cli/options.ts';
import type { CheckpointRow, EventRow } from './auditLog.ts';
import { exportLines, ExportFormatError, parseExport, toOcsf } from './auditExport.ts';
import { verifyChain, type ChainedEvent, type Checkpoint } from './chainVerifier.ts';
import { loadAuditSigningKey } from './signingKey.ts';

export const AUDIT_HELP = `Usage: keeper-agent audit verify [--data-dir DIR | --file EXPORT.jsonl] [--public-key BASE64]
       keeper-agent audit export --format jsonl|ocsf [--data-dir DIR] [--output FILE]

verify proves the audit log's hash chain and signed checkpoints (docs/audit.md) and names the first
event that was edited, removed, reordered or inserted, or where the log was truncated.
Exit codes: 0 intact, 1 tampered (or unreadable), 2 usage.

  --data-dir DIR       the agent's data dir (default: /var/lib/keeper-agent as root); run as the agent's user
  --file FILE          a jsonl export instead of the database
  --public-key BASE64  the machine's audit public key (SPKI DER) to trust; default: the key in the data dir,
                       or for --file the key the first checkpoint names
  --format jsonl|ocsf  jsonl keeps hashes and checkpoints (verify reads it); ocsf is OCSF 1.1 API Activity for a SIEM
  --output FILE        write the export there (0600) instead of stdout
`;

class UsageError extends Error {}

/** Every event and checkpoint of the data dir's audit, read-only; throws when the database cannot be opened. */
export function readDatabase(dataDir: string): { events: ChainedEvent[]; checkpoints: Checkpoint[] } {
  const db = new Database(join(dataDir, 'agent.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT seq, id, at, type, actor_uid, request_id, data_json, prev_hash, hash FROM audit_events ORDER BY seq').all() as EventRow[];
    const events = rows.map((r) => ({
      seq: r.seq,
      id: r.id,
      at: r.at,
      type: r.type,
      actorUid: r.actor_uid,
      requestId: r.request_id,
      data: JSON.parse(r.data_json) as unknown,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
    const checkpoints = (db.prepare('SELECT seq, hash, at, public_key, signature FROM audit_checkpoints ORDER BY seq').all() as CheckpointRow[]).map((c) => ({
      seq: c.seq,
      hash: c.hash,
      at: c.at,
      publicKey: c.public_key,
      signature: c.signature,
    }));
    return { events, checkpoints };
  } finally {
    db.close();
  }
}

/** `keeper-agent audit verify|export …` (see AUDIT_HELP for the exit codes). */
export function runAuditCommand(argv: readonly string[]): number {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'data-dir': { type: 'string' },
        file: { type: 'string' },
        'public-key': { type: 'string' },
        format: { type: 'string' },
        output: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    if (values.help) {
      process.stdout.write(AUDIT_HELP);
      return 0;
    }
    const command = positionals.join(' ');
    if (command === 'verify' && values['data-dir'] !== undefined && values.file !== undefined) throw new UsageError('give --data-dir or --file, not both');
    if (command === 'export' && values.format !== 'jsonl' && values.format !== 'ocsf') throw new UsageError('export needs --format jsonl or --format ocsf');
    if (command !== 'verify' && command !== 'export') throw new UsageError('say verify or export');
  } catch (error) {
    process.stderr.write(`keeper-agent audit: ${(error as Error).message}\n${AUDIT_HELP}`);
    return 2;
  }
  const dataDir = values['data-dir'] ?? defaultDataDir({ env: process.env, isRoot: process.getuid?.() === 0 });
  let log;
  let trustedKey = values['public-key'] ?? null;
  try {
    if (values.file !== undefined) {
      log = parseExport(readFileSync(values.file, 'utf8'));
    } else {
      log = readDatabase(dataDir);
      trustedKey ??= loadAuditSigningKey(dataDir, false)?.publicKey ?? null;
    }
  } catch (error) {
    const reason = error instanceof ExportFormatError ? `${values.file}: ${error.message}` : (error as Error).message;
    process.stderr.write(`keeper-agent audit: cannot read the audit log: ${reason}\n`);
    return 1;
  }
  if (positionals[0] === 'export') {
    const lines = values.format === 'ocsf' ? log.events.map(toOcsf) : exportLines(log.events, log.checkpoints);
    const text = lines.map((line) => `${JSON.stringify(line)}\n`).join('');
    if (values.output === undefined) process.stdout.write(text);
    else writeFileSync(values.output, text, { mode: 0o600 });
    return 0;
  }
  const result = verifyChain(log.events, log.checkpoints, trustedKey);
  if (result.ok) {
    const pinned = result.lastCheckpointSeq === null ? 'no signed checkpoint yet' : `signed through seq ${result.lastCheckpointSeq}`;
    process.stdout.write(`audit log intact: ${result.events} events, ${result.checkpoints} checkpoints, ${pinned}\n`);
    return 0;
  }
  process.stdout.write(`audit log TAMPERED: first bad event seq ${result.seq} (${result.kind}): ${result.detail}\n`);
  return 1;
}
