import { createHash } from 'node:crypto';
import { read } from 'node:fs';

const CHUNK = 1024 * 1024;
/** Digests remembered by content (SHA-256 and algorithm → digest): the same bytes always have the same digest. */
const MAX_REMEMBERED_DIGESTS = 4096;

/** What a package database may have recorded for a file: dpkg MD5, rpm one of these (node:crypto names). */
export type FileDigestAlgorithm = 'md5' | 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512' | 'sha3-256' | 'sha3-512';

/** The file the agent opened: its canonical path, the SHA-256 it computed of the descriptor, the descriptor. */
export interface SignerSubject {
  readonly path: string;
  readonly sha256: string;
  readonly fd: number;
}

/** The digest of a descriptor's content, read from offset 0 without moving its file position (the agent later runs it). */
function digestOfDescriptor(fd: number, algorithm: FileDigestAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  const buffer = Buffer.allocUnsafe(CHUNK);
  return new Promise((resolve, reject) => {
    const next = (position: number) =>
      read(fd, buffer, 0, CHUNK, position, (error, bytes) => {
        if (error) return reject(error);
        if (bytes === 0) return resolve(hash.digest('hex'));
        hash.update(buffer.subarray(0, bytes));
        next(position + bytes);
      });
    next(0);
  });
}

/**
 * Digests of the very descriptor the agent opened, hashed and will run, remembered by its SHA-256 so a
 * program is read again only once per algorithm. SHA-256 itself is the agent's own hash of that descriptor.
 */
export class DescriptorDigests {
  private readonly remembered = new Map<string, string>();

  /** Lowercase hex, or null when the descriptor cannot be read. */
  async of(subject: SignerSubject, algorithm: FileDigestAlgorithm): Promise<string | null> {
    if (algorithm === 'sha256') return subject.sha256.toLowerCase();
    const key = `${algorithm}:${subject.sha256}`;
    const known = this.remembered.get(key);
    if (known !== undefined) return known;
    let digest: string;
    try {
      digest = await digestOfDescriptor(subject.fd, algorithm);
    } catch {
      return null;
    }
    if (this.remembered.size >= MAX_REMEMBERED_DIGESTS) this.remembered.delete(this.remembered.keys().next().value!);
    this.remembered.set(key, digest);
    return digest;
  }
}
