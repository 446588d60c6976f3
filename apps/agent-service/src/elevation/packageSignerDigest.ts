import { hashDescriptorPortable } from './portableOpen.ts';

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
    // Read from offset 0 without moving the descriptor's position: the agent runs it afterwards.
    const digest = await hashDescriptorPortable(subject.fd, algorithm);
    if (digest === null) return null;
    if (this.remembered.size >= MAX_REMEMBERED_DIGESTS) this.remembered.delete(this.remembered.keys().next().value!);
    this.remembered.set(key, digest);
    return digest;
  }
}
