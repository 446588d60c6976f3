import { join } from 'node:path';
import { readOwnFile, type OwnFileProblem } from '../store/ownFile.ts';

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
 * Reads the total skip with the checks the agent gives its own files (readOwnFile), writable by no
 * one else and short. Anything else is refused with the reason.
 */
export function readTimeSkip(dataDir: string, agentUid: number): TimeSkipRead {
  const path = timeSkipPath(dataDir);
  const read = readOwnFile(path, { uid: agentUid, deniedMode: 0o022, maxBytes: MAX_BYTES, readBytes: MAX_BYTES + 1 });
  if (!read.ok) return { ok: false, why: `${path} ${refusal(read, agentUid)}` };
  const text = read.bytes.toString('utf8').trim();
  const totalMs = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(totalMs <= MAX_SKIP_MS)) return { ok: false, why: `${path} must hold a whole number of ms up to ${MAX_SKIP_MS}` };
  return { ok: true, totalMs };
}

function refusal(read: OwnFileProblem, agentUid: number): string {
  switch (read.problem) {
    case 'unopenable':
      return `cannot be opened: ${read.error.code ?? read.error.message}`;
    case 'not-a-file':
      return 'is not a regular file';
    case 'owner':
      return `is owned by uid ${read.uid}, not the agent's (${agentUid})`;
    case 'mode':
      return `is writable by others (mode ${read.mode.toString(8)})`;
    case 'too-long':
      return `is longer than ${MAX_BYTES} bytes`;
  }
}
