import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';

const CHUNK = 1024 * 1024;

/** What says a file is unchanged without reading it again. */
function identityOf(stat: { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

/**
 * SHA-256 of a regular file read by the agent: opened with O_NOFOLLOW (the path given is already
 * resolved, so a symlink swapped in afterwards is refused, not followed) and O_NONBLOCK (a FIFO
 * cannot stall the agent), and hashed through that descriptor. Only a file everyone may read is
 * hashed: a named path a user can point elsewhere (a symlink in their home) must not turn the agent
 * into an oracle for the content of a file they cannot read (`/etc/shadow`). Null otherwise.
 */
export function hashRegularFile(path: string): { identity: string; sha256: string } | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || (stat.mode & 0o004) === 0) return null;
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (let read = readSync(fd, buffer, 0, CHUNK, null); read > 0; read = readSync(fd, buffer, 0, CHUNK, null)) hash.update(buffer.subarray(0, read));
    return { identity: identityOf(stat), sha256: hash.digest('hex') };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

interface Entry {
  identity: string | null;
  readonly seen: Set<string>;
}

/** A file's SHA-256 as last read, with the stat identity it was read at (see FileHashCache.known). */
export interface KnownHash {
  readonly identity: string;
  readonly sha256: string;
}

/**
 * Hashes of files that policies name, kept across policy reloads. A file is read again only when
 * its stat identity (device, inode, size, mtime, ctime) changes, which a `stat` per decision checks
 * cheaply; the hashes of its earlier contents are kept for the agent's lifetime, so a copy taken
 * before an upgrade still matches.
 */
export class FileHashCache {
  private readonly entries = new Map<string, Entry>();
  /** Grows whenever some file's set of hashes grows. */
  version = 0;
  /**
   * How long the named files' stat identities are trusted before decisions look again (0: every
   * decision). A `stat` per named file costs a fraction of a millisecond per decision with the shipped
   * lists; a second bounds how late a package upgrade's new hash is known.
   */
  readonly recheckMs: number;
  /** What an earlier run read (`known()`), by resolved path: a file whose identity is unchanged is not read again. */
  private readonly earlier: ReadonlyMap<string, KnownHash>;
  private readonly latest = new Map<string, KnownHash>();

  constructor(options: { recheckMs?: number; earlier?: ReadonlyMap<string, KnownHash> } = {}) {
    this.recheckMs = options.recheckMs ?? 1_000;
    this.earlier = options.earlier ?? new Map();
  }

  /** Each file's current hash and identity, for the next run of the agent (`earlier`). */
  known(): ReadonlyMap<string, KnownHash> {
    return this.latest;
  }

  /** Every hash `path` (a resolved path) has had while the agent ran; empty when it never was a readable file. */
  hashesOf(path: string): ReadonlySet<string> {
    let entry = this.entries.get(path);
    if (!entry) {
      entry = { identity: null, seen: new Set() };
      this.entries.set(path, entry);
    }
    let identity: string | null;
    try {
      identity = identityOf(statSync(path));
    } catch {
      identity = null;
    }
    if (identity !== null && identity !== entry.identity) {
      // The same stat identity as when an earlier run read it: the same content, as within one run.
      const before = this.earlier.get(path);
      const hashed = before?.identity === identity ? before : hashRegularFile(path);
      entry.identity = hashed?.identity ?? null;
      if (hashed) this.latest.set(path, { identity: hashed.identity, sha256: hashed.sha256 });
      else this.latest.delete(path);
      if (hashed && !entry.seen.has(hashed.sha256)) {
        entry.seen.add(hashed.sha256);
        this.version++;
      }
    }
    return entry.seen;
  }
}
