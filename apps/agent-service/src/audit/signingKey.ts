import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKeyFileOnce } from '../store/keyFile.ts';

export const AUDIT_KEY_FILE = 'audit-signing.key';

export class AuditKeyError extends Error {}

export interface AuditSigningKey {
  readonly privateKey: KeyObject;
  /** SPKI DER, base64: shipped with every checkpoint so a verifier off the machine can pin it. */
  readonly publicKey: string;
}

/** The machine's Ed25519 audit key (PKCS#8 PEM, 0600, in the 0700 data dir), made on first use. */
export function loadAuditSigningKey(dataDir: string, create: boolean): AuditSigningKey | null {
  const path = join(dataDir, AUDIT_KEY_FILE);
  let stats;
  try {
    stats = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (!create) return null;
    createKey(path);
    stats = lstatSync(path);
  }
  if (!stats.isFile()) throw new AuditKeyError(`audit signing key ${path} is not a regular file; refusing to use it`);
  if (process.platform !== 'win32') {
    if ((stats.mode & 0o077) !== 0) throw new AuditKeyError(`audit signing key ${path} is readable or writable by others; refusing to use it`);
    const uid = process.getuid?.();
    if (uid !== undefined && stats.uid !== uid)
      throw new AuditKeyError(`audit signing key ${path} belongs to uid ${stats.uid}, not to this service (uid ${uid})`);
  }
  const privateKey = createPrivateKey(readFileSync(path));
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new AuditKeyError(`audit signing key ${path} is not an Ed25519 key`);
  return { privateKey, publicKey: createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64') };
}

function createKey(path: string): void {
  createKeyFileOnce(path, Buffer.from(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' })));
}
