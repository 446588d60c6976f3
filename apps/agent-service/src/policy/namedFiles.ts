import { readdirSync, realpathSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import type { FileHashCache } from './fileHashCache.ts';
import { compileVariablePattern, type VariablePattern } from './patterns.ts';

const WILDCARD = /[*?]/;
const VARIABLE = /\{[A-Za-z_][A-Za-z0-9_]*\}/;

function realpathOrNull(path: string): string | null {
  try {
    return realpathSync.native(path);
  } catch {
    return null;
  }
}

/**
 * The forms of an application `Path` member that canonical request paths are matched against: the
 * member as written, lexically normalised (`//`, `.` and `..` folded), and with its literal part
 * resolved through symlinks on this machine: the whole path when it names an existing file
 * (`/usr/bin/python3` → `/usr/bin/python3.11`), else the folder before the first wildcard (`/bin/*sh`
 * → `/usr/bin/*sh` where /bin links to usr/bin). Patterns with variables are only normalised: their
 * folder is not known before a request. Windows paths are taken as written.
 */
export function pathMemberForms(member: string, platform: NodeJS.Platform): string[] {
  if (platform === 'win32' || !member.startsWith('/')) return [member];
  const normal = posix.normalize(member);
  const forms = new Set([member, normal]);
  if (!VARIABLE.test(normal)) {
    if (!WILDCARD.test(normal)) {
      const real = realpathOrNull(normal);
      if (real) forms.add(real);
    } else {
      const literal = normal.slice(0, normal.search(WILDCARD));
      const folder = literal.slice(0, literal.lastIndexOf('/') + 1);
      const real = folder.length > 1 ? realpathOrNull(folder) : null;
      if (real) forms.add(posix.join(real, normal.slice(folder.length)));
    }
  }
  return [...forms];
}

/** A request path as the engine compares it: lexically normalised on POSIX systems. */
export function normalRequestPath(path: string, platform: NodeJS.Platform): string {
  return platform !== 'win32' && path.startsWith('/') ? posix.normalize(path) : path;
}

interface FolderPattern {
  readonly collectionId: string;
  readonly folder: string;
  readonly name: VariablePattern;
  identity: string | null;
  files: string[];
}

const NO_VARIABLES = () => ({});

function folderIdentity(folder: string): string | null {
  try {
    const s = statSync(folder);
    return `${s.dev}:${s.ino}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch {
    return null;
  }
}

/**
 * The files that the application collections of DENY policies name, and their SHA-256: a copy of a
 * denied program (`cp /usr/bin/bash ~/b`) is the same program, so it is denied by its hash. A literal
 * member names its file; a member whose only wildcards are in its last segment names the matching
 * entries of its folder (listed again when the folder changes). Members with variables name no
 * fixed file. Each named file is resolved through symlinks and hashed by the agent through an
 * O_NOFOLLOW descriptor (FileHashCache); at decision time a `stat` per file (at most once per
 * `FileHashCache.recheckMs`) checks that the hashes are current.
 */
export class NamedFileHashes {
  private readonly literal: { readonly collectionId: string; readonly file: string }[] = [];
  private readonly folders: FolderPattern[] = [];
  private readonly cache: FileHashCache;
  private byHash = new Map<string, string[]>();
  private builtAt = -1;
  private checkedAt = -Infinity;

  constructor(members: readonly { readonly collectionId: string; readonly path: string }[], cache: FileHashCache) {
    this.cache = cache;
    for (const { collectionId, path } of members) {
      if (!path.startsWith('/') || VARIABLE.test(path)) continue;
      const normal = posix.normalize(path);
      if (!WILDCARD.test(normal)) {
        const real = realpathOrNull(normal);
        if (real) this.literal.push({ collectionId, file: real });
        continue;
      }
      const slash = normal.lastIndexOf('/');
      if (WILDCARD.test(normal.slice(0, slash))) continue;
      const folder = realpathOrNull(normal.slice(0, slash) || '/');
      if (folder) this.folders.push({ collectionId, folder, name: compileVariablePattern(normal.slice(slash + 1), false), identity: null, files: [] });
    }
    this.refresh();
  }

  /** The collections whose named files have (or had, while the agent ran) this hash. */
  collectionsOf(sha256: string): readonly string[] | undefined {
    this.refresh();
    return this.byHash.get(sha256.toLowerCase());
  }

  /** Re-lists changed folders and re-hashes changed files; rebuilds the lookup only when a hash was added. */
  private refresh(): void {
    // process.hrtime, not performance.now(): the `performance` global loads perf_hooks (~1 MB resident) on first use, here at the agent's start.
    const now = Number(process.hrtime.bigint()) / 1e6;
    if (now - this.checkedAt < this.cache.recheckMs) return;
    this.checkedAt = now;
    let listed = false;
    // The shipped policies name nine patterns in /usr/bin alone: the folder is read once per refresh, not once per pattern.
    const listings = new Map<string, string[]>();
    for (const pattern of this.folders) {
      const identity = folderIdentity(pattern.folder);
      if (identity === pattern.identity) continue;
      pattern.identity = identity;
      pattern.files = listFolder(pattern, listings);
      listed = true;
    }
    const files: { collectionId: string; file: string }[] = [...this.literal];
    for (const pattern of this.folders) for (const file of pattern.files) files.push({ collectionId: pattern.collectionId, file });
    const hashes = files.map(({ collectionId, file }) => ({ collectionId, seen: this.cache.hashesOf(file) }));
    if (!listed && this.builtAt === this.cache.version) return;
    const byHash = new Map<string, string[]>();
    for (const { collectionId, seen } of hashes) {
      for (const sha of seen) {
        const ids = byHash.get(sha);
        if (!ids) byHash.set(sha, [collectionId]);
        else if (!ids.includes(collectionId)) ids.push(collectionId);
      }
    }
    this.byHash = byHash;
    this.builtAt = this.cache.version;
  }
}

/** The folder's entries the pattern names, each resolved through symlinks (a dangling one is skipped). */
function listFolder(pattern: FolderPattern, listings: Map<string, string[]>): string[] {
  let names = listings.get(pattern.folder);
  if (!names) {
    try {
      names = readdirSync(pattern.folder);
    } catch {
      return [];
    }
    listings.set(pattern.folder, names);
  }
  const out = new Set<string>();
  for (const name of names) {
    if (!pattern.name(name, NO_VARIABLES)) continue;
    const real = realpathOrNull(posix.join(pattern.folder, name));
    if (real) out.add(real);
  }
  return [...out];
}
