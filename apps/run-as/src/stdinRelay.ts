import { fstatSync, read } from 'node:fs';
import { isTerminal } from './terminal.ts';

export interface StdinRelay {
  /** Stops reading; a read already under way is dropped. */
  stop(): void;
}

/** As fs.ReadStream and process.stdin read: the agent takes at most 64 KiB of data per elevation.input. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Reads this process's stdin until its end, handing each chunk to `onData`, then calls `onEnd`.
 * A terminal, pipe or socket is read through process.stdin. A file (a redirect, or the /dev/null that
 * scripts, services and `ssh -n` give) is read with fs.read: process.stdin would be an fs.ReadStream,
 * whose module loads fs.promises, readline and the stream helpers, ~25 internal modules and 4–5 ms of
 * CPU on every call of the CLI, for an input that is usually empty.
 */
export function relayStdin(onData: (chunk: Buffer) => void, onEnd: () => void): StdinRelay {
  if (isFileLike(0)) return relayFile(0, onData, onEnd);
  process.stdin.on('data', onData);
  process.stdin.on('end', onEnd);
  return { stop: () => process.stdin.destroy() };
}

/** Reads `fd` from its current offset to its end in chunks of at most 64 KiB, as fs.ReadStream would. */
export function relayFile(fd: number, onData: (chunk: Buffer) => void, onEnd: () => void): StdinRelay {
  let stopped = false;
  const next = () =>
    read(fd, Buffer.allocUnsafe(CHUNK_BYTES), 0, CHUNK_BYTES, null, (error, bytes, buffer) => {
      if (stopped) return;
      // A read error ends the input as process.stdin would, without taking the program down.
      if (error || bytes === 0) {
        stopped = true;
        onEnd();
        return;
      }
      onData(buffer.subarray(0, bytes));
      next();
    });
  next();
  return { stop: () => (stopped = true) };
}

/** What Node itself reads as a file for stdin: a regular file, or a character device that is not a terminal. */
export function isFileLike(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFile() || (stat.isCharacterDevice() && !isTerminal(fd));
  } catch {
    return false;
  }
}
