import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { DescriptorDigests, FileDigestAlgorithm, SignerSubject } from './packageSignerDigest.ts';
import { readRpmHeader, type RpmHeaderFile } from './packageSignerRpmHeader.ts';
import { whyUntrusted, type SignerLog } from './packageSignerTrust.ts';
import { DatabaseRecheck } from './packageSignerRecheck.ts';

/**
 * Where rpm keeps its database: upstream's `%_dbpath` (RHEL), then `/usr/lib/sysimage/rpm` (Fedora 36+
 * moved it there and left /var/lib/rpm as a link to it). rpm's macros are not read.
 */
const RPM_DB_PATHS: readonly string[] = ['/var/lib/rpm', '/usr/lib/sysimage/rpm'];
/** rpm 4.16+'s sqlite backend (lib/backend/sqlite.cc); the Berkeley DB (`Packages`) and ndb (`Packages.db`) files are not read. */
const DB_FILE = 'rpmdb.sqlite';
/** The database and the write-ahead log and shared memory sqlite keeps beside it while rpm uses it. */
const RPM_FILES = [{ name: DB_FILE }, { name: `${DB_FILE}-wal`, optional: true }, { name: `${DB_FILE}-shm`, optional: true }];

/** PGPHASHALGO_* (include/rpm/rpmpgp.h) of FILEDIGESTALGO → node:crypto; others leave a package without a signer. */
const ALGORITHMS: ReadonlyMap<number, FileDigestAlgorithm> = new Map([
  [1, 'md5'],
  [2, 'sha1'],
  [8, 'sha256'],
  [9, 'sha384'],
  [10, 'sha512'],
  [11, 'sha224'],
  [12, 'sha3-256'],
  [14, 'sha3-512'],
]);
/** include/rpm/rpmfiles.h */
const RPMFILE_CONFIG = 1 << 0;
const RPMFILE_GHOST = 1 << 6;
const RPMFILE_STATE_NORMAL = 0;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/** Parsed headers kept, by row: a look-up usually asks again about the same few packages. */
const MAX_REMEMBERED_HEADERS = 256;

/** A parsed header, its files by name. */
interface Package {
  readonly name: string;
  readonly digestAlgorithm: number;
  readonly filesNamed: ReadonlyMap<string, readonly RpmHeaderFile[]>;
}

/**
 * The rpm package that installed a file, but only while the file's digest is the one rpm recorded for
 * it (docs/policy-semantics.md, 3.2). Reads rpm's sqlite database read-only, in-process: the
 * `Basenames` index names the packages that may own the file's name, and each such package's header
 * (the truth the index is built from) must list the file at this very path, as an installed regular
 * file that is neither %config nor %ghost, with this digest. The database is used only while it and
 * every folder above it belong to root (or the agent's own user) and nobody else can write them.
 */
export class RpmSigner {
  private readonly dbPaths: readonly string[];
  private readonly recheck: DatabaseRecheck;
  private readonly digests: DescriptorDigests;
  private readonly log: SignerLog;
  /**
   * Inode, size and mtime of the database file and its write-ahead log: rpm changes one of them on
   * every transaction. Not ctime: SQLite, run as root, gives the log back to the database's owner
   * (fchown) whenever it opens it, which changes the log's ctime at every open, the agent's own included.
   */
  private identity: string | null = null;
  /** The last problem logged, so a refused database is reported once rather than at every look. */
  private reported: string | null = null;
  private open: { db: Database.Database; packagesNamed: Database.Statement<[string], number>; header: Database.Statement<[number], Buffer> } | null = null;
  private readonly headers = new Map<number, Package | null>();
  /** Listed folders resolved through symlinks; null for one that does not exist. */
  private readonly folders = new Map<string, string | null>();

  constructor(options: { dbPath?: string; recheckMs: number; digests: DescriptorDigests; log: SignerLog }) {
    this.dbPaths = options.dbPath === undefined ? RPM_DB_PATHS : [options.dbPath];
    this.recheck = new DatabaseRecheck({ intervalMs: options.recheckMs, check: () => this.refresh() });
    this.digests = options.digests;
    this.log = options.log;
  }

  /**
   * The package name, or null: no database, a database refused, no package lists this path as an
   * installed regular file, other bytes than every owner recorded, or owners that disagree on the name.
   */
  async signerOf(program: SignerSubject): Promise<string | null> {
    await this.recheck.upToDate();
    const open = this.open;
    if (!open) return null;
    const folder = dirname(program.path);
    const name = basename(program.path);
    let owners: Package[];
    try {
      // Read before the first await: a look-up that runs meanwhile may find rpm changed the database and close it.
      owners = open.packagesNamed.all(name).flatMap((hnum) => this.package(open.header, hnum) ?? []);
    } catch (error) {
      this.problem({ err: (error as Error).message }, 'the rpm database could not be read; no rpm signer for this request');
      return null;
    }
    const names = new Set<string>();
    for (const pkg of owners) {
      const algorithm = ALGORITHMS.get(pkg.digestAlgorithm);
      if (!algorithm) continue;
      for (const file of pkg.filesNamed.get(name) ?? []) {
        if (!installedProgram(file) || (await this.folder(file.dir)) !== folder) continue;
        if ((await this.digests.of(program, algorithm)) === file.digest.toLowerCase()) names.add(pkg.name);
      }
    }
    return names.size === 1 ? [...names][0]! : null;
  }

  private package(statement: Database.Statement<[number], Buffer>, hnum: number): Package | null {
    if (this.headers.has(hnum)) return this.headers.get(hnum)!;
    const blob = statement.get(hnum);
    let header: Package | null = null;
    if (blob) {
      try {
        const read = readRpmHeader(blob);
        const filesNamed = new Map<string, RpmHeaderFile[]>();
        for (const file of read.files) {
          const same = filesNamed.get(file.base);
          if (same) same.push(file);
          else filesNamed.set(file.base, [file]);
        }
        header = { name: read.name, digestAlgorithm: read.digestAlgorithm, filesNamed };
      } catch (error) {
        this.problem({ hnum, err: (error as Error).message }, 'an rpm database header is malformed; its package names no signer');
      }
    }
    if (this.headers.size >= MAX_REMEMBERED_HEADERS) this.headers.delete(this.headers.keys().next().value!);
    this.headers.set(hnum, header);
    return header;
  }

  private async folder(listed: string): Promise<string | null> {
    if (!this.folders.has(listed)) this.folders.set(listed, await realpath(listed).catch(() => null));
    return this.folders.get(listed)!;
  }

  /** Checks who could have written the database each time it looks, and reopens it only after rpm changed it. */
  private async refresh(): Promise<void> {
    const file = await firstDatabase(this.dbPaths);
    const identity = file === null ? null : await identityOf(file);
    const refusal = file === null || identity === null ? null : await whyUntrusted(dirname(file), RPM_FILES);
    if (file === null || identity === null || refusal !== null) {
      this.close();
      if (refusal !== null)
        this.problem({ database: file, reason: refusal }, 'the rpm database is not used for Signer collections: a user other than root could have written it');
      return;
    }
    if (this.open && identity === this.identity) return;
    this.close();
    this.identity = identity;
    try {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      this.open = {
        db,
        packagesNamed: db.prepare<[string], number>('SELECT DISTINCT hnum FROM Basenames WHERE key = ?').pluck(),
        header: db.prepare<[number], Buffer>('SELECT blob FROM Packages WHERE hnum = ?').pluck(),
      };
      this.reported = null;
    } catch (error) {
      this.identity = null;
      this.problem({ database: file, err: (error as Error).message }, 'the rpm database cannot be opened; no rpm signers');
    }
  }

  /** Logs a problem with the database once, not at every look. */
  private problem(fields: Record<string, unknown>, message: string): void {
    const key = JSON.stringify(fields);
    if (key === this.reported) return;
    this.reported = key;
    this.log.warn(fields, message);
  }

  private close(): void {
    this.open?.db.close();
    this.open = null;
    this.identity = null;
    this.headers.clear();
    this.folders.clear();
  }
}

/** Files a package installed and still owns as it installed them: regular, neither %config nor %ghost, not replaced or skipped. */
function installedProgram(file: RpmHeaderFile): boolean {
  return (file.mode & S_IFMT) === S_IFREG && (file.flags & (RPMFILE_CONFIG | RPMFILE_GHOST)) === 0 && file.state === RPMFILE_STATE_NORMAL && file.digest !== '';
}

async function firstDatabase(dbPaths: readonly string[]): Promise<string | null> {
  for (const dbPath of dbPaths) {
    const file = join(dbPath, DB_FILE);
    const st = await stat(file).catch(() => null);
    if (st?.isFile()) return file;
  }
  return null;
}

async function identityOf(file: string): Promise<string | null> {
  const [db, wal] = await Promise.all([stat(file).catch(() => null), stat(`${file}-wal`).catch(() => null)]);
  if (!db) return null;
  return `${db.ino}:${db.size}:${db.mtimeMs}:${wal ? `${wal.ino}:${wal.size}:${wal.mtimeMs}` : '-'}`;
}
