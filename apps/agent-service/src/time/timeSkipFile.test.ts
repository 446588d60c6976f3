import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTimeSkip, timeSkipPath } from './timeSkipFile.ts';

const uid = process.getuid!();
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function plant(text: string, mode = 0o600): void {
  writeFileSync(timeSkipPath(dir), text, { mode });
  chmodSync(timeSkipPath(dir), mode);
}

/** Why the file is refused (failing the test if it was accepted). */
function refusal(agentUid = uid): string {
  const read = readTimeSkip(dir, agentUid);
  if (read.ok) throw new Error(`accepted ${read.totalMs} ms`);
  return read.why;
}

describe('readTimeSkip', () => {
  it('reads the total ms from a short regular file of the agent user', () => {
    plant('90000\n');
    expect(readTimeSkip(dir, uid)).toEqual({ ok: true, totalMs: 90_000 });
  });

  it('refuses a symlink, even to a file that would pass', () => {
    writeFileSync(join(dir, 'elsewhere'), '90000', { mode: 0o600 });
    symlinkSync(join(dir, 'elsewhere'), timeSkipPath(dir));
    expect(refusal()).toContain('ELOOP');
  });

  it("refuses a file owned by another uid than the agent's", () => {
    plant('1000');
    expect(refusal(uid + 1)).toContain(`owned by uid ${uid}, not the agent's (${uid + 1})`);
  });

  it('refuses a file others may write', () => {
    plant('1000', 0o666);
    expect(refusal()).toContain('writable by others (mode 666)');
  });

  it('refuses a folder in its place', () => {
    mkdirSync(timeSkipPath(dir));
    expect(refusal()).toContain('not a regular file');
  });

  it('refuses a long file without reading past its limit', () => {
    plant('1'.repeat(4096));
    expect(refusal()).toContain('longer than 32 bytes');
  });

  for (const text of ['', '-5', '1e6', '12ms', '0x10', '99999999999999999999']) {
    it(`refuses ${JSON.stringify(text)}: a whole number of ms in range only`, () => {
      plant(text);
      expect(refusal()).toContain('whole number of ms');
    });
  }

  it('says when there is no file', () => {
    expect(refusal()).toContain('ENOENT');
  });
});
