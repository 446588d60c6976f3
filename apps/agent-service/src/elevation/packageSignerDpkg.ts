import { statSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DescriptorDigests, SignerSubject } from './packageSignerDigest.ts';
import { whyFileUntrusted, whyUntrusted, type SignerLog } from './packageSignerTrust.ts';
import { DatabaseRecheck } from './packageSignerRecheck.ts';

/** Debian's dpkg database: `info/<package>[:<arch>].md5sums` lists each regular file a package installed with its MD5. */
export const DPKG_ADMIN_DIR = '/var/lib/dpkg';

interface Owner {
  readonly pkg: string;
  readonly md5: string;
  /** The md5sums file it came from, so a re-read package drops its old entries. */
  readonly file: string;
}

interface ListFile {
  /** inode, size and mtime: dpkg replaces a package's md5sums whenever it installs the package. */
  readonly stamp: string;
  /** The canonical paths it lists. */
  readonly paths: readonly string[];
}

/**
 * The dpkg package that installed a file, but only while the file's MD5 is the one dpkg recorded for
 * it (docs/policy-semantics.md, 3.2). Every package's md5sums is read once; after dpkg changed its
 * database, only the md5sums files that changed are read again. A file's MD5 is computed only for
 * paths a package owns.
 */
export class DpkgSigner {
  private readonly adminDir: string;
  private readonly recheck: DatabaseRecheck;
  private readonly digests: DescriptorDigests;
  private readonly log: SignerLog;
  /** The last refusal logged, so an untrusted database is reported once rather than at every look. */
  private reported: string | null = null;
  /** The identity of `status` and `info/` when the index was last brought up to date: dpkg changes both on every run. */
  private identity: string | null = null;
  /** Canonical path → the packages whose md5sums list it (more than one after a file moved between packages). */
  private readonly owners = new Map<string, readonly Owner[]>();
  private readonly files = new Map<string, ListFile>();
  /** Listed folders resolved through symlinks (`/bin` → `/usr/bin` on merged-/usr); null for one that does not exist. */
  private readonly folders = new Map<string, string | null>();

  constructor(options: { adminDir: string; recheckMs: number; digests: DescriptorDigests; log: SignerLog }) {
    this.adminDir = options.adminDir;
    this.recheck = new DatabaseRecheck({ intervalMs: options.recheckMs, check: () => this.check() });
    this.digests = options.digests;
    this.log = options.log;
  }

  /** The package name (no `:arch`), or null: no package owns the path, no database, or other bytes than every owner recorded. */
  async signerOf(program: SignerSubject): Promise<string | null> {
    await this.recheck.upToDate();
    const owners = this.owners.get(program.path);
    if (!owners) return null;
    const md5 = await this.digests.of(program, 'md5');
    if (md5 === null) return null;
    return owners.find((o) => o.md5 === md5)?.pkg ?? null;
  }

  private currentIdentity(): string | null {
    try {
      const status = statSync(join(this.adminDir, 'status'));
      const info = statSync(join(this.adminDir, 'info'));
      return `${status.ino}:${status.size}:${status.mtimeMs}:${info.ino}:${info.mtimeMs}`;
    } catch {
      return null;
    }
  }

  /** A database that someone other than root could have written counts as none: every package is forgotten. */
  private async check(): Promise<void> {
    let identity = this.currentIdentity();
    if (identity !== null) {
      const refusal = (await whyUntrusted(this.adminDir, [{ name: 'status' }])) ?? (await whyUntrusted(join(this.adminDir, 'info'), []));
      if (refusal !== null) {
        this.problem(refusal);
        identity = null;
      } else this.reported = null;
    }
    if (identity !== null && identity === this.identity) return;
    await this.refresh(identity);
  }

  private problem(reason: string): void {
    if (reason === this.reported) return;
    this.reported = reason;
    this.log.warn(
      { database: this.adminDir, reason },
      'dpkg database files are not used for Signer collections: a user other than root could have written them',
    );
  }

  private async refresh(identity: string | null): Promise<void> {
    const infoDir = join(this.adminDir, 'info');
    // The md5sums files now, each with its stamp; none when the database is gone (every package is forgotten).
    const stamps = new Map<string, string>();
    if (identity !== null) {
      const names = (await readdir(infoDir).catch(() => [])).filter((n) => n.endsWith('.md5sums'));
      const stats = await Promise.all(names.map((name) => stat(join(infoDir, name)).catch(() => null)));
      names.forEach((name, i) => {
        const st = stats[i];
        const refusal = st ? whyFileUntrusted(join(infoDir, name), st) : null;
        if (refusal !== null) this.problem(refusal);
        else if (st) stamps.set(name, `${st.ino}:${st.size}:${st.mtimeMs}`);
      });
    }
    for (const [name, file] of this.files) if (stamps.get(name) !== file.stamp) this.forget(name, file);
    const changed = [...stamps].filter(([name]) => !this.files.has(name));
    const texts = await Promise.all(changed.map(([name]) => readFile(join(infoDir, name), 'latin1').catch(() => null)));
    await this.resolveFolders(texts.flatMap((text) => (text === null ? [] : listedFolders(text))));
    changed.forEach(([name, stamp], i) => {
      const text = texts[i];
      if (text !== null && text !== undefined) this.learn(name, stamp, text);
    });
    this.identity = identity;
  }

  private forget(name: string, file: ListFile): void {
    for (const path of file.paths) {
      const left = (this.owners.get(path) ?? []).filter((o) => o.file !== name);
      if (left.length > 0) this.owners.set(path, left);
      else this.owners.delete(path);
    }
    this.files.delete(name);
  }

  private learn(name: string, stamp: string, text: string): void {
    const pkg = name.slice(0, -'.md5sums'.length).split(':')[0]!;
    const paths: string[] = [];
    for (const { md5, listed } of md5Lines(text)) {
      const folder = this.folders.get(dirname(listed));
      if (!folder) continue;
      const path = join(folder, basename(listed));
      this.owners.set(path, [...(this.owners.get(path) ?? []), { pkg, md5, file: name }]);
      paths.push(path);
    }
    this.files.set(name, { stamp, paths });
  }

  private async resolveFolders(folders: readonly string[]): Promise<void> {
    const fresh = [...new Set(folders)].filter((f) => !this.folders.has(f));
    const resolved = await Promise.all(fresh.map((folder) => realpath(folder).catch(() => null)));
    fresh.forEach((folder, i) => this.folders.set(folder, resolved[i] ?? null));
  }
}

/** The lines of an md5sums file: "<32 hex>  <path relative to />" (the path may contain spaces). */
function* md5Lines(text: string): Generator<{ md5: string; listed: string }> {
  for (const line of text.split('\n')) {
    if (line.length < 35 || line[32] !== ' ' || line[33] !== ' ') continue;
    const md5 = line.slice(0, 32);
    if (/^[0-9a-f]{32}$/.test(md5)) yield { md5, listed: `/${line.slice(34)}` };
  }
}

function listedFolders(text: string): string[] {
  return [...md5Lines(text)].map((l) => dirname(l.listed));
}
