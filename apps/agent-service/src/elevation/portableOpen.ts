import { createHash } from 'node:crypto';
import { close, constants, fstat, open, read, realpath } from 'node:fs';
import { promisify } from 'node:util';
import type { ProgramOpenResult } from '@keeper/peercred';

const FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const openFd = promisify(open);
const fstatFd = promisify(fstat);
const readFd = promisify(read);
const realpathOf = promisify(realpath);

/**
 * The digest (SHA-256 unless told) of everything behind a descriptor, read from offset 0 without moving
 * its file position; null when it cannot be read.
 */
export async function hashDescriptorPortable(fd: number, algorithm = 'sha256'): Promise<string | null> {
  const hash = createHash(algorithm);
  const buffer = Buffer.alloc(1 << 20);
  try {
    for (let position = 0; ;) {
      const { bytesRead } = await readFd(fd, buffer, 0, buffer.length, position);
      if (bytesRead === 0) return hash.digest('hex');
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
  } catch {
    return null;
  }
}

const lookupFailure = (error: unknown) =>
  (error as NodeJS.ErrnoException).code === 'EACCES' ? 'not-readable' : (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'changed' : 'not-found';

/**
 * Where the addon's caller-rights check does not exist (not Linux), the agent's own open: resolved,
 * opened once without following a final symlink, regular files only, hashed from that descriptor.
 * It runs with the agent's rights on libuv's pool, so ProgramFiles uses it for the agent's own user only.
 */
export async function openProgramPortable(path: string): Promise<ProgramOpenResult> {
  let canonical: string;
  let fd: number;
  try {
    canonical = await realpathOf(path);
  } catch (error) {
    return { ok: false, code: lookupFailure(error) === 'not-readable' ? 'not-readable' : 'not-found', path, errno: 0 };
  }
  try {
    fd = await openFd(canonical, FLAGS);
  } catch (error) {
    return { ok: false, code: lookupFailure(error), path: canonical, errno: 0 };
  }
  const sha256 = (await fstatFd(fd).catch(() => null))?.isFile() ? await hashDescriptorPortable(fd) : null;
  if (sha256 === null) {
    close(fd, () => {});
    return { ok: false, code: 'not-regular', path: canonical, errno: 0 };
  }
  return { ok: true, fd, path: canonical, sha256, sealed: false, size: 0 };
}
