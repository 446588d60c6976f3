import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isFileLike, relayFile } from './stdinRelay.ts';

const dir = mkdtempSync(join(tmpdir(), 'stdin-relay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Everything relayFile hands over for `path`, and how often it said the input ended. */
function relayed(path: string): Promise<{ chunks: Buffer[]; ends: number }> {
  const fd = openSync(path, 'r');
  const chunks: Buffer[] = [];
  let ends = 0;
  return new Promise((resolve) => {
    relayFile(
      fd,
      (chunk) => chunks.push(Buffer.from(chunk)),
      () => {
        ends++;
        // A second end would show up before this settles: the reads are chained, one at a time.
        setImmediate(() => {
          closeSync(fd);
          resolve({ chunks, ends });
        });
      },
    );
  });
}

describe('relayStdin for a file on stdin', () => {
  it('takes a redirected file and /dev/null for files, as Node does, and a closed descriptor for none', () => {
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    for (const path of [file, '/dev/null']) {
      const fd = openSync(path, 'r');
      expect(isFileLike(fd), path).toBe(true);
      closeSync(fd);
    }
    expect(isFileLike(-1)).toBe(false);
  });

  it('hands over the whole file in chunks of at most 64 KiB, then ends once', async () => {
    const data = randomBytes(200_000);
    const file = join(dir, 'input.bin');
    writeFileSync(file, data);
    const { chunks, ends } = await relayed(file);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    expect(chunks.every((chunk) => chunk.length > 0 && chunk.length <= 64 * 1024)).toBe(true);
    expect(ends).toBe(1);
  });

  it('ends at once for /dev/null, without data', async () => {
    expect(await relayed('/dev/null')).toEqual({ chunks: [], ends: 1 });
  });

  it('hands over nothing more once stopped, not even the read already under way', async () => {
    const file = join(dir, 'stopped.bin');
    writeFileSync(file, randomBytes(300_000));
    const fd = openSync(file, 'r');
    const chunks: Buffer[] = [];
    let ends = 0;
    const relay = relayFile(
      fd,
      (chunk) => {
        chunks.push(chunk);
        relay.stop();
      },
      () => ends++,
    );
    // Long enough for any read still queued to come back (a local file: well under a millisecond).
    await new Promise((resolve) => setTimeout(resolve, 100));
    closeSync(fd);
    expect(chunks).toHaveLength(1);
    expect(ends).toBe(0);
  });
});
