import { lstatSync, realpathSync, type Stats } from 'node:fs';
import { join, resolve, sep } from 'node:path';

/** What a folder holds decides how strictly it is judged. */
export interface FolderRule {
  /** The folder's role in messages: "data", "socket", "policies", "jobs". */
  readonly what: string;
  /** The agent's own uid: root and this uid are the only owners trusted. */
  readonly uid: number;
  /** The folder itself must belong to the agent's uid (not merely to root or it), and not be a symlink. */
  readonly ownedByAgent?: boolean;
  /** The folder must not be readable by group or others either (the data folder). */
  readonly privateToOwner?: boolean;
}

/** A folder someone other than root or the agent's user could change (or read, for the data folder). */
export class UntrustedFolderError extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(message);
    this.name = 'UntrustedFolderError';
    this.path = path;
  }
}

const S_ISVTX = 0o1000;

function describe(path: string, stats: Stats): string {
  return `${path} is owned by uid ${stats.uid} with mode ${(stats.mode & 0o7777).toString(8).padStart(4, '0')}`;
}

/**
 * The problem with one path component, or null. An ancestor may be a sticky, root-owned shared
 * folder (/tmp): nobody else can rename what sits in it. The folder itself may not.
 */
function judge(path: string, stats: Stats, isFolder: boolean, rule: FolderRule): string | null {
  const trustedOwner = isFolder && rule.ownedByAgent ? stats.uid === rule.uid : stats.uid === 0 || stats.uid === rule.uid;
  const owners = isFolder && rule.ownedByAgent ? `uid ${rule.uid}` : `root or uid ${rule.uid}`;
  if (!trustedOwner) return `${describe(path, stats)}; it must be owned by ${owners}`;
  if (!stats.isDirectory()) return `${path} is not a directory`;
  const othersWrite = (stats.mode & 0o022) !== 0;
  if (othersWrite && (isFolder || !((stats.mode & S_ISVTX) !== 0 && stats.uid === 0))) {
    return `${describe(path, stats)}; group and others must not be able to write to it`;
  }
  if (isFolder && rule.privateToOwner && (stats.mode & 0o077) !== 0) {
    return `${describe(path, stats)}; group and others must have no access to it (chmod 700)`;
  }
  return null;
}

/** Judges every component of `path` from `/`; a symlink is followed after its own owner is judged. */
function walk(path: string, rule: FolderRule, endsAtFolder: boolean, depth = 0): string | null {
  if (depth > 8) return `${path}: too many levels of symbolic links`;
  const parts = path.split(sep).filter(Boolean);
  let current: string = sep;
  const root = judge(current, lstatSync(current), endsAtFolder && parts.length === 0, rule);
  if (root) return root;
  for (const [index, part] of parts.entries()) {
    const candidate = join(current, part);
    const stats = lstatSync(candidate);
    const isFolder = endsAtFolder && index === parts.length - 1;
    if (stats.isSymbolicLink()) {
      if (stats.uid !== 0 && stats.uid !== rule.uid) return `${describe(candidate, stats)} (a symbolic link); it must be owned by root or uid ${rule.uid}`;
      if (isFolder && rule.ownedByAgent) return `${candidate} is a symbolic link; the ${rule.what} folder must be a real directory`;
      const target = realpathSync(candidate);
      const problem = walk(target, rule, isFolder, depth + 1);
      if (problem) return problem;
      current = target;
      continue;
    }
    const problem = judge(candidate, stats, isFolder, rule);
    if (problem) return problem;
    current = candidate;
  }
  return null;
}

/**
 * Refuses a folder that anyone but root or the agent's user can write to, directly or through an
 * ancestor (as sudo and sshd judge their files): such a user could swap what the agent reads or serves.
 */
export function assertTrustedFolder(path: string, rule: FolderRule): void {
  if (process.platform === 'win32') return;
  let problem: string | null;
  try {
    problem = walk(resolve(path), rule, true);
  } catch (error) {
    problem = `cannot check ${path}: ${(error as Error).message}`;
  }
  if (problem) throw new UntrustedFolderError(path, `refusing the ${rule.what} folder ${path}: ${problem}`);
}

/** The same check as a value: the refusal's message, or null when the folder is trusted. */
export function untrustedFolderProblem(path: string, rule: FolderRule): string | null {
  try {
    assertTrustedFolder(path, rule);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}
