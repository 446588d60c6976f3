import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as z from 'zod';
import type { KnownHash } from './fileHashCache.ts';

/** `<data dir>/policy-file-hashes.json`: the named files' hashes by resolved path, with the stat identity each was read at. */
const KnownHashes = z.record(z.string().startsWith('/'), z.object({ identity: z.string().min(1), sha256: z.string().regex(/^[0-9a-f]{64}$/) }));

/**
 * The hashes the agent's last run read; empty when there is no file or it cannot be used (the agent
 * then reads every named file, as on a first start). The data folder is the agent's own (0700).
 */
export function readKnownHashes(file: string): Map<string, KnownHash> {
  try {
    const parsed = KnownHashes.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return new Map<string, KnownHash>(parsed.success ? Object.entries(parsed.data) : []);
  } catch {
    return new Map();
  }
}

/** Replaces the file whole (a crash leaves the previous one), readable by the agent alone. */
export function writeKnownHashes(file: string, hashes: ReadonlyMap<string, KnownHash>): void {
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, JSON.stringify(Object.fromEntries(hashes)), { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}

/** Whether two sets of known hashes say the same of the same files (a start whose named files did not change). */
export function sameKnownHashes(a: ReadonlyMap<string, KnownHash>, b: ReadonlyMap<string, KnownHash>): boolean {
  if (a.size !== b.size) return false;
  for (const [path, hash] of a) {
    const other = b.get(path);
    if (other?.identity !== hash.identity || other.sha256 !== hash.sha256) return false;
  }
  return true;
}
