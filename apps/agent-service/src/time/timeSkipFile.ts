import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** The file a `--time-skip` agent reads on SIGUSR2: the total ms to skip, in decimal. */
export function timeSkipPath(dataDir: string): string {
  return join(dataDir, 'time-skip');
}

/** Longer than any decimal count of ms the agent accepts (with a line end). */
const MAX_BYTES = 32;
/** A century: far beyond any test's need, and far from where Date arithmetic loses precision. */
const MAX_SKIP_MS = 100 * 365 * 86_400_000;

export type TimeSkipRead = { ok: true; totalMs: number } | { ok: false; why: string };

/**
 * Reads the total skip with the checks the agent gives its own files: opened once, without
 * following a symlink or blocking on a FIFO; then it must be a regular file owned by the agent's
 * user, writable by no one else, and short. Anything else is refused with the reason.
 */
export function readTimeSkip(dataDir: string, agentUid: number): TimeSkipRead {
  const path = timeSkipPath(dataDir);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, why: `${path} cannot be opened: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, why: `${path} is not a regular file` };
    if (stat.uid !== agentUid) return { ok: false, why: `${path} is owned by uid ${stat.uid}, not the agent's (${agentUid})` };
    if ((stat.mode & 0o022) !== 0) return { ok: false, why: `${path} is writable by others (mode ${(stat.mode & 0o777).toString(8)})` };
    if (stat.size > MAX_BYTES) return { ok: false, why: `${path} is longer than ${MAX_BYTES} bytes` };
    const buffer = Buffer.alloc(MAX_BYTES + 1);
    const text = buffer
      .subarray(0, readSync(fd, buffer, 0, buffer.length, 0))
      .toString('utf8')
      .trim();
    const totalMs = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!(totalMs <= MAX_SKIP_MS)) return { ok: false, why: `${path} must hold a whole number of ms up to ${MAX_SKIP_MS}` };
    return { ok: true, totalMs };
  } finally {
    closeSync(fd);
  }
}
