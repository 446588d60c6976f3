import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_KEY_FILE, AuditKeyError, loadAuditSigningKey } from './signingKey.ts';

describe.runIf(process.platform !== 'win32')('the audit signing key', () => {
  let dir: string;
  let keyPath: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keeper-signing-key-'));
    keyPath = join(dir, AUDIT_KEY_FILE);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is made once, 0600, and read back the same', () => {
    expect(loadAuditSigningKey(dir, false)).toBeNull();
    const made = loadAuditSigningKey(dir, true);
    expect(loadAuditSigningKey(dir, false)?.publicKey).toBe(made?.publicKey);
  });

  it('refuses a key others could read, a symlink to a good key, a FIFO (without waiting on it) and a file too long to be a key', () => {
    loadAuditSigningKey(dir, true);
    chmodSync(keyPath, 0o640);
    expect(() => loadAuditSigningKey(dir, false)).toThrow(/is readable or writable by others/);
    chmodSync(keyPath, 0o600);
    const elsewhere = join(dir, 'elsewhere.key');
    execFileSync('mv', [keyPath, elsewhere]);
    symlinkSync(elsewhere, keyPath);
    expect(() => loadAuditSigningKey(dir, true)).toThrow(AuditKeyError);
    expect(() => loadAuditSigningKey(dir, true)).toThrow(/is not a regular file/);
    unlinkSync(keyPath);
    execFileSync('mkfifo', ['-m', '600', keyPath]);
    expect(() => loadAuditSigningKey(dir, true)).toThrow(/is not a regular file/);
    unlinkSync(keyPath);
    writeFileSync(keyPath, 'x'.repeat(20_000), { mode: 0o600 });
    expect(() => loadAuditSigningKey(dir, false)).toThrow(/too long to be a key/);
  });
});
