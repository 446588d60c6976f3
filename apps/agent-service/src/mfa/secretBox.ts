import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createKeyFileOnce } from '../store/keyFile.ts';
import { readPrivateFile } from '../store/ownFile.ts';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const MFA_KEY_FILE = 'mfa.key';

export class SecretBoxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretBoxError';
  }
}

/** AES-256-GCM output; all three parts are needed to open it. */
export interface Sealed {
  readonly ciphertext: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
}

/**
 * Encrypts small secrets (MFA seeds) at rest with AES-256-GCM. The key lives in its own file beside the
 * database, created on first use (random, mode 0600) and refused when anyone but the service could
 * read or change it. `context` is bound as associated data, so a ciphertext copied to another row
 * (another user) does not open.
 */
export class SecretBox {
  private readonly keyPath: string;
  private key: Buffer | null = null;

  constructor({ dataDir }: { dataDir: string }) {
    this.keyPath = join(dataDir, MFA_KEY_FILE);
  }

  seal(plaintext: string, context: string): Sealed {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.loadKey(), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { ciphertext, iv, tag: cipher.getAuthTag() };
  }

  open(sealed: Sealed, context: string): string {
    const key = this.loadKey();
    if (sealed.iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) {
      throw new SecretBoxError('cannot decrypt an MFA secret: the stored IV or tag has the wrong length');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(sealed.tag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new SecretBoxError(`cannot decrypt an MFA secret: the data was altered or ${this.keyPath} is not the key it was encrypted with`, { cause: error });
    }
  }

  private loadKey(): Buffer {
    this.key ??= readOrCreateKey(this.keyPath);
    return this.key;
  }
}

/** Read whole up to this, so that a wrong key file is reported with its length. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

function readOrCreateKey(path: string): Buffer {
  const key = readKey(path);
  if (key) return key;
  createKey(path);
  const made = readKey(path);
  if (!made) throw new SecretBoxError(`MFA key file ${path} vanished as it was made`);
  return made;
}

/**
 * The key, or null when there is no file. Opened once, not through a symlink, and checked on that descriptor
 * (readPrivateFile): a regular file of this service's user that nobody else can read or write, of the key's length.
 */
function readKey(path: string): Buffer | null {
  const read = readPrivateFile(path, MAX_KEY_FILE_BYTES);
  if (!read.ok) {
    switch (read.problem) {
      case 'unopenable':
        if (read.error.code === 'ENOENT') return null;
        if (read.error.code === 'ELOOP') throw new SecretBoxError(`MFA key file ${path} is not a regular file; refusing to use it`);
        throw read.error;
      case 'not-a-file':
        throw new SecretBoxError(`MFA key file ${path} is not a regular file; refusing to use it`);
      case 'too-long':
        throw new SecretBoxError(`MFA key file ${path} holds more than ${MAX_KEY_FILE_BYTES} bytes instead of ${KEY_BYTES}; refusing to use it`);
      case 'mode':
        throw new SecretBoxError(
          `MFA key file ${path} has mode ${read.mode.toString(8).padStart(4, '0')}: other users could read or replace it. ` +
            `Refusing to use it; run "chmod 600 ${path}" if it was never exposed, otherwise re-enroll every user with a new key.`,
        );
      case 'owner':
        throw new SecretBoxError(`MFA key file ${path} belongs to uid ${read.uid}, not to this service (uid ${process.getuid?.() ?? 0}); refusing to use it`);
    }
  }
  const key = read.bytes;
  if (key.length !== KEY_BYTES) {
    throw new SecretBoxError(`MFA key file ${path} holds ${key.length} bytes instead of ${KEY_BYTES}; refusing to use it`);
  }
  return key;
}

function createKey(path: string): void {
  createKeyFileOnce(path, randomBytes(KEY_BYTES));
}
