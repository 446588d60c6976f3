import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed offline approvals (docs/fleet.md, "Offline approval"): the challenge a requester reads out
 * and the response an approver reads back, both short enough for a phone call. The agent and the
 * fleet server compute the same response from a per-machine key that only root on that machine
 * and the server hold; the user never sees the key.
 */

/** Crockford's base32: no I, L, O or U, so what is read aloud is hard to mishear. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Characters in a challenge and in a response: 10 × 5 = 50 bits each. */
export const OFFLINE_CODE_CHARS = 10;
export const OFFLINE_CODE_BITS = OFFLINE_CODE_CHARS * 5;
/** Bytes of the per-machine key (HMAC-SHA256). */
export const OFFLINE_KEY_BYTES = 32;
const DOMAIN = 'keeper-offline-approval-v1';

/** What a challenge names: one request on one machine, with its own expiry and a fresh nonce. */
export interface OfflineChallengeFacts {
  readonly machineId: string;
  readonly machine: string;
  readonly uid: number;
  readonly user: string | null;
  /** The canonical path the agent opened, and the SHA-256 of that very file. */
  readonly path: string;
  readonly sha256: string | null;
  readonly commandLine: string;
  readonly cwd: string;
  readonly expiresAt: string;
  /** Random, hex; never reused, so no response is valid for two requests. */
  readonly nonce: string;
}

/** The first `chars` base32 characters of `bytes` (big-endian bit order). */
function base32(bytes: Uint8Array, chars: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
    if (out.length === chars) break;
  }
  return out;
}

/** The SHA-256 over every fact, in a fixed order (an array: no key-order ambiguity). */
export function challengeDigest(facts: OfflineChallengeFacts): Buffer {
  const canonical = JSON.stringify([
    DOMAIN,
    facts.machineId,
    facts.machine,
    facts.uid,
    facts.user,
    facts.path,
    facts.sha256,
    facts.commandLine,
    facts.cwd,
    facts.expiresAt,
    facts.nonce,
  ]);
  return createHash('sha256').update(canonical).digest();
}

/** The challenge the requester reads out: the digest's first 50 bits. */
export function challengeCode(facts: OfflineChallengeFacts): string {
  return base32(challengeDigest(facts), OFFLINE_CODE_CHARS);
}

/**
 * A code as typed or heard, in its canonical form: upper case, without spaces or dashes, and
 * Crockford's look-alikes mapped (O→0, I/L→1). Null when it is not a code of the right length.
 */
export function normalizeOfflineCode(text: string): string | null {
  const code = text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (code.length !== OFFLINE_CODE_CHARS) return null;
  for (const c of code) if (!ALPHABET.includes(c)) return null;
  return code;
}

/** A code grouped for reading aloud: `ABCDE-FGHJK`. */
export function formatOfflineCode(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/**
 * The response: HMAC-SHA256 with the machine's key over the machine, the challenge (which commits
 * to the request and its expiry) and the approver's name (so the agent can audit who approved, and
 * a response made for one approver cannot be passed off as another's), truncated to 50 bits.
 */
export function offlineResponse(key: Uint8Array, machineId: string, challenge: string, approver: string): string {
  const mac = createHmac('sha256', key)
    .update(JSON.stringify([DOMAIN, machineId, challenge, approver]))
    .digest();
  return base32(mac, OFFLINE_CODE_CHARS);
}

/** Whether `typed` is the response for this challenge and approver (compared in constant time). */
export function verifyOfflineResponse(key: Uint8Array, machineId: string, challenge: string, approver: string, typed: string): boolean {
  const code = normalizeOfflineCode(typed);
  if (code === null) return false;
  const expected = Buffer.from(offlineResponse(key, machineId, challenge, approver));
  return timingSafeEqual(expected, Buffer.from(code));
}
