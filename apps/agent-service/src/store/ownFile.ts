import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

/** Why a file the agent keeps for itself was not read, for the caller to word. */
export type OwnFileProblem =
  | { readonly problem: 'unopenable'; readonly error: NodeJS.ErrnoException }
  | { readonly problem: 'not-a-file' }
  | { readonly problem: 'owner'; readonly uid: number }
  | { readonly problem: 'mode'; readonly mode: number }
  | { readonly problem: 'too-long' };

export interface OwnFileRules {
  /** The agent's user: the file must be this uid's. */
  readonly uid: number;
  /** Permission bits the file must not have (0o022: writable by no one else; 0o077: private). */
  readonly deniedMode: number;
  /** Longer than this is refused; without it, only the first `readBytes` are read. */
  readonly maxBytes?: number;
  readonly readBytes: number;
}

/**
 * Reads a file the agent keeps for itself with the checks it gives its own files: opened once, without
 * following a symlink or blocking on a FIFO; then, on that descriptor, a regular file of the agent's
 * user without the denied permission bits, and not too long. At most `readBytes` are read.
 */
export type OwnFileRead = { readonly ok: true; readonly bytes: Buffer } | ({ readonly ok: false } & OwnFileProblem);

export function readOwnFile(path: string, rules: OwnFileRules): OwnFileRead {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, problem: 'unopenable', error: error as NodeJS.ErrnoException };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, problem: 'not-a-file' };
    if (stat.uid !== rules.uid) return { ok: false, problem: 'owner', uid: stat.uid };
    if ((stat.mode & rules.deniedMode) !== 0) return { ok: false, problem: 'mode', mode: stat.mode & 0o777 };
    if (rules.maxBytes !== undefined && stat.size > rules.maxBytes) return { ok: false, problem: 'too-long' };
    const buffer = Buffer.alloc(rules.readBytes);
    return { ok: true, bytes: buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)) };
  } finally {
    closeSync(fd);
  }
}

/**
 * A file only the agent's user may read or write (its keys), read with readOwnFile's checks for that: this uid's,
 * no permission bit for anyone else, at most `maxBytes`. On Windows, where owner and mode bits do not apply, the file
 * as it is; an error opening it is `unopenable` there too.
 */
export function readPrivateFile(path: string, maxBytes: number): OwnFileRead {
  if (process.platform === 'win32') {
    try {
      return { ok: true, bytes: readFileSync(path) };
    } catch (error) {
      return { ok: false, problem: 'unopenable', error: error as NodeJS.ErrnoException };
    }
  }
  return readOwnFile(path, { uid: process.getuid?.() ?? 0, deniedMode: 0o077, maxBytes, readBytes: maxBytes });
}
