import { closeSync, constants, fchownSync, mkdtempSync, openSync, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unlinkQuietly } from './targetFile.ts';

/** The caller's copy of a file being edited, in a folder of its own. */
export interface UserCopy {
  readonly dir: string;
  /** The folder, held open: cleanup goes through it, never through a path the caller could re-point. */
  readonly dirFd: number;
  readonly name: string;
  readonly path: string;
}

/** A path inside the held folder, whatever has since been renamed or linked at `dir`. */
const inHeld = (copy: Pick<UserCopy, 'dirFd' | 'name'>) => `/proc/self/fd/${copy.dirFd}/${copy.name}`;

/**
 * Makes a fresh 0700 folder in the temp folder, writes `content` into a new 0600 file named `name`
 * there, and only then gives both to the caller (uid, gid). Until the folder is the caller's,
 * nobody but root can reach the file; afterwards the agent reads it back with the caller's rights only.
 */
export function makeUserCopy(content: Buffer, name: string, uid: number, gid: number): UserCopy {
  const dir = mkdtempSync(join(tmpdir(), 'keeper-edit-'));
  const dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  const copy: UserCopy = { dir, dirFd, name, path: join(dir, name) };
  try {
    const fd = openSync(inHeld(copy), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      for (let at = 0; at < content.length;) at += writeSync(fd, content, at, content.length - at);
      fchownSync(fd, uid, gid);
    } finally {
      closeSync(fd);
    }
    fchownSync(dirFd, uid, gid);
    return copy;
  } catch (error) {
    removeUserCopy(copy);
    throw error;
  }
}

/**
 * Removes the copy and its folder as far as they are still what the agent made: unlink and rmdir
 * never follow a last-component symlink, and the file is reached through the held folder. Anything
 * else the caller left in the folder stays (then the empty-folder rmdir fails, harmlessly).
 */
export function removeUserCopy(copy: UserCopy): void {
  unlinkQuietly(inHeld(copy));
  try {
    rmdirSync(copy.dir);
  } catch {
    // Not empty, or no longer the folder the agent made: left to its owner.
  }
  try {
    closeSync(copy.dirFd);
  } catch {
    // Already closed.
  }
}
