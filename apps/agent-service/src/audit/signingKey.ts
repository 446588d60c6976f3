import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { createKeyFileOnce } from '../store/keyFile.ts';
import { readPrivateFile } from '../store/ownFile.ts';

export const AUDIT_KEY_FILE = 'audit-signing.key';

export class AuditKeyError extends Error {}

export interface AuditSigningKey {
  readonly privateKey: KeyObject;
  /** SPKI DER, base64: shipped with every checkpoint so a verifier off the machine can pin it. */
  readonly publicKey: string;
}

/** A PKCS#8 PEM Ed25519 key is about 120 bytes: anything near this is not one. */
const MAX_KEY_FILE_BYTES = 16 * 1024;

/** The machine's Ed25519 audit key (PKCS#8 PEM, 0600, in the 0700 data dir), made on first use. */
export function loadAuditSigningKey(dataDir: string, create: boolean): AuditSigningKey | null {
  const path = join(dataDir, AUDIT_KEY_FILE);
  let pem = readKeyFile(path);
  if (pem === null) {
    if (!create) return null;
    createKey(path);
    pem = readKeyFile(path);
    if (pem === null) throw new AuditKeyError(`audit signing key ${path} vanished as it was made`);
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new AuditKeyError(`audit signing key ${path} is not an Ed25519 key`);
  return { privateKey, publicKey: createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64') };
}

/**
 * The key file's bytes, or null when there is none. Opened once, not through a symlink, and checked on that
 * descriptor (readPrivateFile): a regular file of this service's user that nobody else can read or write.
 */
function readKeyFile(path: string): Buffer | null {
  const read = readPrivateFile(path, MAX_KEY_FILE_BYTES);
  if (read.ok) return read.bytes;
  switch (read.problem) {
    case 'unopenable':
      if (read.error.code === 'ENOENT') return null;
      if (read.error.code === 'ELOOP') throw new AuditKeyError(`audit signing key ${path} is not a regular file; refusing to use it`);
      throw read.error;
    case 'not-a-file':
      throw new AuditKeyError(`audit signing key ${path} is not a regular file; refusing to use it`);
    case 'mode':
      throw new AuditKeyError(`audit signing key ${path} is readable or writable by others; refusing to use it`);
    case 'owner':
      throw new AuditKeyError(`audit signing key ${path} belongs to uid ${read.uid}, not to this service (uid ${process.getuid?.() ?? 0})`);
    case 'too-long':
      throw new AuditKeyError(`audit signing key ${path} is too long to be a key; refusing to use it`);
  }
}

function createKey(path: string): void {
  createKeyFileOnce(path, Buffer.from(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' })));
}
