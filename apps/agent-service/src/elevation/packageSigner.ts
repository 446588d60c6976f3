import { createHash } from 'node:crypto';
import { read, statSync } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Debian's dpkg database: `info/<package>[:<arch>].md5sums` lists each regular file a package installed with its MD5. */
export const DPKG_ADMIN_DIR = '/var/lib/dpkg';

const CHUNK = 1024 * 1024;
/** Digests remembered by content (SHA-256 → MD5): the same bytes always have the same MD5. */
const MAX_REMEMBERED_DIGESTS = 4096;

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

/** The MD5 of a descriptor's content, read from offset 0 without moving its file position. */
function md5OfDescriptor(fd: number): Promise<string> {
  const hash = createHash('md5');
  const buffer = Buffer.allocUnsafe(CHUNK);
  return new Promise((resolve, reject) => {
    const next = (position: number) =>
      read(fd, buffer, 0, CHUNK, position, (error, bytes) => {
        if (error) return reject(error);
        if (bytes === 0) return resolve(hash.digest('hex'));
        hash.update(buffer.subarray(0, bytes));
        next(position + bytes);
      });
    next(0);
  });
}

/**
 * The Signer of a file on Linux: the dpkg package that installed it, but only while the file's MD5
 * is the one dpkg recorded for it (docs/policy-semantics.md, 3.2). Every package's md5sums is read
 * once; after dpkg changed its database, only the md5sums files that changed are read again. A
 * file's MD5 is computed only for paths a package owns, and remembered by SHA-256.
 */
export class PackageSigner {
  private readonly adminDir: string;
  private readonly recheckMs: number;
  private checkedAt = -Infinity;
  /** The identity of `status` and `info/` when the index was last brought up to date: dpkg changes both on every run. */
  private identity: string | null = null;
  private refreshing: Promise<void> | null = null;
  /** Canonical path → the packages whose md5sums list it (more than one after a file moved between packages). */
  private readonly owners = new Map<string, readonly Owner[]>();
  private readonly files = new Map<string, ListFile>();
  /** Listed folders resolved through symlinks (`/bin` → `/usr/bin` on merged-/usr); null for one that does not exist. */
  private readonly folders = new Map<string, string | null>();
  private readonly md5BySha256 = new Map<string, string>();

  constructor(options: { adminDir?: string; recheckMs?: number } = {}) {
    this.adminDir = options.adminDir ?? DPKG_ADMIN_DIR;
    this.recheckMs = options.recheckMs ?? 1_000;
  }

  /**
   * The package name (no `:arch`) for the file open at `fd`, whose canonical path is `path` and whose
   * SHA-256 the agent computed; null when no package owns that path, the database is missing or
   * unreadable, or the content differs from what every owning package recorded.
   */
  async signerOf(program: { readonly path: string; readonly sha256: string; readonly fd: number }): Promise<string | null> {
    await this.upToDate();
    const owners = this.owners.get(program.path);
    if (!owners) return null;
    let md5 = this.md5BySha256.get(program.sha256);
    if (md5 === undefined) {
      try {
        md5 = await md5OfDescriptor(program.fd);
      } catch {
        return null;
      }
      if (this.md5BySha256.size >= MAX_REMEMBERED_DIGESTS) this.md5BySha256.delete(this.md5BySha256.keys().next().value!);
      this.md5BySha256.set(program.sha256, md5);
    }
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

  /** Looks at dpkg's database no more than once per recheck interval, and re-reads only the md5sums files that changed. */
  private async upToDate(): Promise<void> {
    while (this.refreshing) await this.refreshing;
    const now = performance.now();
    if (now - this.checkedAt < this.recheckMs) return;
    this.checkedAt = now;
    const identity = this.currentIdentity();
    if (identity !== null && identity === this.identity) return;
    this.refreshing = this.refresh(identity).finally(() => (this.refreshing = null));
    await this.refreshing;
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
        if (st) stamps.set(name, `${st.ino}:${st.size}:${st.mtimeMs}`);
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
