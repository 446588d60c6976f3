import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { AgentDatabase } from '../store/database.ts';

/** Crockford's base32 without I, L, O, U: nothing to misread when it is read out or typed. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const GROUPS = 3;
const GROUP_LENGTH = 4;

export const DEFAULT_ENROLLMENT_CODE_HOURS = 24;

/** Upper-case, without the spaces and dashes people type between the groups. */
export function normalizeEnrollmentCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

function hashOf(uid: number, code: string): Buffer {
  return createHash('sha256')
    .update(`keeper-mfa-enrollment-code:${uid}:${normalizeEnrollmentCode(code)}`)
    .digest();
}

interface CodeRow {
  code_hash: string;
  expires_at: string;
}

/**
 * One-time enrollment codes: an administrator issues one per user (60 random bits, shown once, kept
 * only as a hash); a first MFA enrollment needs it, and confirming the enrollment spends it. Issuing
 * again replaces the user's previous code.
 */
export class EnrollmentCodes {
  private readonly db: AgentDatabase;

  constructor({ db }: { db: AgentDatabase }) {
    this.db = db;
  }

  issue(uid: number, issuedBy: number | null, now: Date, validMs: number): { code: string; expiresAt: string } {
    const chars = Array.from({ length: GROUPS * GROUP_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]!);
    const code = Array.from({ length: GROUPS }, (_, i) => chars.slice(i * GROUP_LENGTH, (i + 1) * GROUP_LENGTH).join('')).join('-');
    const expiresAt = new Date(now.getTime() + validMs).toISOString();
    this.db
      .prepare(
        `INSERT INTO mfa_enrollment_codes (uid, code_hash, issued_by, issued_at, expires_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (uid) DO UPDATE SET code_hash = excluded.code_hash, issued_by = excluded.issued_by, issued_at = excluded.issued_at, expires_at = excluded.expires_at`,
      )
      .run(uid, hashOf(uid, code).toString('hex'), issuedBy, now.toISOString(), expiresAt);
    return { code, expiresAt };
  }

  /** Whether `code` is this user's unexpired code. */
  matches(uid: number, code: string, now: Date): boolean {
    const row = this.db.prepare('SELECT code_hash, expires_at FROM mfa_enrollment_codes WHERE uid = ?').get(uid) as CodeRow | undefined;
    if (!row || row.expires_at <= now.toISOString()) return false;
    return timingSafeEqual(Buffer.from(row.code_hash, 'hex'), hashOf(uid, code));
  }

  /** Whether the user still holds an unexpired code (an enrollment begun with it may be confirmed). */
  held(uid: number, now: Date): boolean {
    return this.db.prepare('SELECT 1 FROM mfa_enrollment_codes WHERE uid = ? AND expires_at > ?').get(uid, now.toISOString()) !== undefined;
  }

  spend(uid: number): void {
    this.db.prepare('DELETE FROM mfa_enrollment_codes WHERE uid = ?').run(uid);
  }
}
