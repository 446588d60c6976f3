import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MFA_KEY_FILE, SecretBox, SecretBoxError } from './secretBox.ts';

const posix = process.platform !== 'win32';

describe('SecretBox', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keeper-secretbox-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips a secret, with a fresh IV each time, and keeps the key across instances', () => {
    const box = new SecretBox({ dataDir: dir });
    const a = box.seal('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'ctx');
    const b = box.seal('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 'ctx');
    expect(a.iv).toHaveLength(12);
    expect(a.tag).toHaveLength(16);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.ciphertext.toString('latin1')).not.toContain('JBSWY3DP');
    expect(box.open(a, 'ctx')).toBe('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    // A new instance (agent restart) loads the same key file.
    expect(new SecretBox({ dataDir: dir }).open(b, 'ctx')).toBe('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
  });

  it('creates a 32-byte key file with mode 0600 on first use only', () => {
    const box = new SecretBox({ dataDir: dir });
    const keyPath = join(dir, MFA_KEY_FILE);
    expect(() => statSync(keyPath)).toThrow();
    box.seal('x', 'ctx');
    expect(readFileSync(keyPath)).toHaveLength(32);
    if (posix) expect(statSync(keyPath).mode & 0o777).toBe(0o600);
  });

  it('detects tampering with the ciphertext, the tag, the IV or the context', () => {
    const box = new SecretBox({ dataDir: dir });
    const sealed = box.seal('top secret', 'user:1000');
    const flip = (buffer: Buffer) => {
      const copy = Buffer.from(buffer);
      copy[0]! ^= 0x01;
      return copy;
    };
    expect(() => box.open({ ...sealed, ciphertext: flip(sealed.ciphertext) }, 'user:1000')).toThrow(SecretBoxError);
    expect(() => box.open({ ...sealed, tag: flip(sealed.tag) }, 'user:1000')).toThrow(SecretBoxError);
    expect(() => box.open({ ...sealed, iv: flip(sealed.iv) }, 'user:1000')).toThrow(SecretBoxError);
    expect(() => box.open({ ...sealed, tag: sealed.tag.subarray(0, 8) }, 'user:1000')).toThrow(/wrong length/);
    // The same ciphertext moved to another user's row does not open.
    expect(() => box.open(sealed, 'user:1001')).toThrow(/altered or .*mfa\.key is not the key/);
  });

  it('cannot open data sealed under a key that was replaced', () => {
    const sealed = new SecretBox({ dataDir: dir }).seal('top secret', 'ctx');
    unlinkSync(join(dir, MFA_KEY_FILE));
    expect(() => new SecretBox({ dataDir: dir }).open(sealed, 'ctx')).toThrow(SecretBoxError);
  });

  it.runIf(posix)('refuses a key file that other users can read', () => {
    const keyPath = join(dir, MFA_KEY_FILE);
    writeFileSync(keyPath, Buffer.alloc(32, 7));
    chmodSync(keyPath, 0o644);
    expect(() => new SecretBox({ dataDir: dir }).seal('x', 'ctx')).toThrow(/mode 0644: other users could read or replace it/);
    chmodSync(keyPath, 0o640);
    expect(() => new SecretBox({ dataDir: dir }).seal('x', 'ctx')).toThrow(SecretBoxError);
    chmodSync(keyPath, 0o600);
    expect(() => new SecretBox({ dataDir: dir }).seal('x', 'ctx')).not.toThrow();
  });

  it('refuses a key file of the wrong size', () => {
    const keyPath = join(dir, MFA_KEY_FILE);
    writeFileSync(keyPath, Buffer.alloc(16, 7), { mode: 0o600 });
    expect(() => new SecretBox({ dataDir: dir }).seal('x', 'ctx')).toThrow(/holds 16 bytes instead of 32/);
  });

  it.runIf(posix)('refuses a symlink to a good key and a FIFO at the key path, without waiting on the FIFO', () => {
    const keyPath = join(dir, MFA_KEY_FILE);
    const elsewhere = join(dir, 'elsewhere.key');
    writeFileSync(elsewhere, Buffer.alloc(32, 7), { mode: 0o600 });
    symlinkSync(elsewhere, keyPath);
    expect(() => new SecretBox({ dataDir: dir }).seal('x', 'ctx')).toThrow(/is not a regular file/);
    unlinkSync(keyPath);
    execFileSync('mkfifo', ['-m', '600', keyPath]);
    expect(() => new SecretBox({ dataDir: dir }).seal('x', 'ctx')).toThrow(/is not a regular file/);
  });
});
