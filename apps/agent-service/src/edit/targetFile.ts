import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  renameSync,
  statfsSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AgentError, AgentErrorCodes, JsonRpcErrorCodes } from '../../../../shared/protocol/src/common/index.ts';

/** Largest file keeper-edit edits: the agent holds the file and the copy in memory. */
export const MAX_EDIT_BYTES = 16 * 1024 * 1024;
/** A file keeper-edit creates: root's, readable by all, as a configuration file usually is. */
export const NEW_FILE_MODE = 0o644;
/** S_ISUID | S_ISGID: never carried over to content a user wrote. */
const SET_ID_BITS = 0o6000;

/** The target as the agent opened it (as root); what the write-back must still find. */
export interface TargetFile {
  readonly path: string;
  /** Null when the file does not exist yet (keeper-edit creates it). */
  readonly found: {
    readonly dev: number;
    readonly ino: number;
    readonly size: number;
    readonly mtimeNs: bigint;
    readonly mode: number;
    readonly uid: number;
    readonly gid: number;
  } | null;
  readonly content: Buffer;
  readonly sha256: string | null;
}

export const sha256Of = (content: Buffer): string => createHash('sha256').update(content).digest('hex');

const refuse = (code: number, message: string) => new AgentError(code, message);

/**
 * A folder another user than root can change: its owner is not root, or group or others may write
 * it, unless it is a sticky folder of root's (/tmp): there nobody renames or removes root's entries.
 */
function othersCanChange(folder: Stats): boolean {
  if ((folder.mode & 0o1000) !== 0 && folder.uid === 0) return false;
  return folder.uid !== 0 || (folder.gid !== 0 && (folder.mode & 0o020) !== 0) || (folder.mode & 0o002) !== 0;
}

/** The last component of the path asked for, as written: a name, never `.` or `..`. */
export function fileNameOf(asked: string): string {
  const name = basename(asked);
  if (!asked.startsWith('/') || asked.includes('\0') || name === '' || name === '.' || name === '..' || asked.endsWith('/')) {
    throw refuse(JsonRpcErrorCodes.InvalidParams, `${asked} does not name a file`);
  }
  return name;
}

/**
 * The canonical path of `name` in `folder` (already canonical: symlinks, `.` and `..` resolved), the
 * last component kept as written (a symlink there is refused when opened, as sudoedit does). Every
 * folder on the way must be one only root can change, so the path cannot be swapped between the
 * copy and the write-back.
 */
export function canonicalTarget(folder: string, name: string): string {
  for (let at = folder; ; at = dirname(at)) {
    const stat = lstatSync(at);
    if (!stat.isDirectory() || othersCanChange(stat))
      throw refuse(AgentErrorCodes.Unauthorized, `${at} can be changed by users other than root, so keeper-edit does not write into it`);
    if (at === '/') break;
  }
  return join(folder, name);
}

/** Linux's O_PATH (not in fs.constants): a handle on the entry itself that opens nothing. */
const O_PATH = 0o10000000;
/**
 * statfs magic numbers of the kernel's own file systems (proc, sysfs, debugfs, tracefs, securityfs,
 * cgroup, cgroup2, configfs, bpf, efivarfs, pstore): their "regular files" are kernel interfaces
 * whose reads can act (reading /proc/kmsg drains the kernel log) or block.
 */
const KERNEL_FILE_SYSTEMS = new Set([
  0x9fa0, 0x62656572, 0x64626720, 0x74726163, 0x73636673, 0x27e0eb, 0x63677270, 0x62656570, 0xcafe4a11, 0xde5e81e4, 0x6165676c,
]);

/**
 * Opens the canonical target once, without following a symlink, and reads it whole (or finds it absent).
 * It is first held with O_PATH and only a regular file is then opened for reading (through that very
 * handle): opening a device or FIFO as root has effects of its own (a watchdog armed, a tape rewound,
 * a FIFO's writer woken), and this runs for any caller before any policy decides.
 */
export function openTarget(path: string): TargetFile {
  let handle: number;
  try {
    handle = openSync(path, O_PATH | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path, found: null, content: Buffer.alloc(0), sha256: null };
    throw refuse(AgentErrorCodes.NotFound, `${path} cannot be opened (${code ?? 'error'})`);
  }
  let fd: number;
  try {
    const kind = fstatSync(handle);
    if (kind.isSymbolicLink()) throw refuse(AgentErrorCodes.Unauthorized, `${path} is a symbolic link; keeper-edit edits the file itself (name its real path)`);
    if (!kind.isFile()) throw refuse(AgentErrorCodes.Unauthorized, `${path} is not a regular file`);
    // Another name of the same inode could be a root-only file the policy never named.
    if (kind.nlink > 1) throw refuse(AgentErrorCodes.Unauthorized, `${path} has ${kind.nlink} hard links; keeper-edit edits only a file with one name`);
    if (KERNEL_FILE_SYSTEMS.has(statfsSync(`/proc/self/fd/${handle}`).type))
      throw refuse(AgentErrorCodes.Unauthorized, `${path} is on a kernel file system (proc, sysfs, …), not a file keeper-edit edits`);
    try {
      fd = openSync(`/proc/self/fd/${handle}`, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (error) {
      throw refuse(AgentErrorCodes.NotFound, `${path} cannot be opened (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  } finally {
    closeSync(handle);
  }
  try {
    const stat = fstatSync(fd, { bigint: true });
    if (!stat.isFile()) throw refuse(AgentErrorCodes.Unauthorized, `${path} is not a regular file`);
    if (stat.size > BigInt(MAX_EDIT_BYTES))
      throw refuse(AgentErrorCodes.Conflict, `${path} is larger than ${MAX_EDIT_BYTES / 1024 / 1024} MB, the most keeper-edit edits`);
    const content = readAll(fd, Number(stat.size));
    return {
      path,
      found: {
        dev: Number(stat.dev),
        ino: Number(stat.ino),
        size: Number(stat.size),
        mtimeNs: stat.mtimeNs,
        mode: Number(stat.mode) & 0o7777,
        uid: Number(stat.uid),
        gid: Number(stat.gid),
      },
      content,
      sha256: sha256Of(content),
    };
  } finally {
    closeSync(fd);
  }
}

/** Everything behind a descriptor from offset 0, refusing more than MAX_EDIT_BYTES. */
export function readAll(fd: number, expected = 0): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const buffer = Buffer.alloc(Math.min(Math.max(expected, 64 * 1024), MAX_EDIT_BYTES) + 1);
  for (;;) {
    const read = readSync(fd, buffer, 0, buffer.length, total);
    if (read === 0) return Buffer.concat(chunks, total);
    total += read;
    if (total > MAX_EDIT_BYTES)
      throw refuse(AgentErrorCodes.Conflict, `the file is larger than ${MAX_EDIT_BYTES / 1024 / 1024} MB, the most keeper-edit edits`);
    chunks.push(Buffer.from(buffer.subarray(0, read)));
  }
}

/** The file as it is now is the one that was copied: same inode, size, mtime and content (or still absent). */
export function unchangedSince(target: TargetFile): boolean {
  let now: TargetFile;
  try {
    now = openTarget(target.path);
  } catch {
    return false;
  }
  if (target.found === null || now.found === null) return target.found === null && now.found === null;
  const [a, b] = [target.found, now.found];
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && now.sha256 === target.sha256;
}

/**
 * Replaces the target atomically: a new file in the same folder (O_EXCL, never a symlink) with the
 * target's owner, group and mode, written and synced, checked once more against the copied state,
 * then renamed over the target and the folder synced. On any failure the temporary file is removed.
 */
export function writeBack(target: TargetFile, content: Buffer): void {
  const folder = dirname(target.path);
  const temp = join(folder, `.${basename(target.path)}.keeper-edit-${randomBytes(6).toString('hex')}`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  let open = true;
  let renamed = false;
  try {
    const owner = target.found ?? { uid: 0, gid: 0, mode: NEW_FILE_MODE };
    fchownSync(fd, owner.uid, owner.gid);
    // After chown, which clears set-id bits. They stay cleared, as the kernel clears them when anyone
    // but root writes a file: the set-ID program root installed is not the one the user wrote.
    fchmodSync(fd, owner.mode & ~SET_ID_BITS);
    for (let at = 0; at < content.length;) at += writeSync(fd, content, at, content.length - at);
    fsyncSync(fd);
    open = false;
    closeSync(fd);
    if (!unchangedSince(target)) throw refuse(AgentErrorCodes.Conflict, `${target.path} changed since it was copied; nothing was written (edit it again)`);
    renameSync(temp, target.path);
    renamed = true;
    const dir = openSync(folder, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } finally {
    if (open) closeSync(fd);
    if (!renamed) unlinkQuietly(temp);
  }
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
