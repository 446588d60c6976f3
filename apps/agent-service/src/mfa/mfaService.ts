import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { generateSecret, generateURI, verify as verifyTotp } from 'otplib';
import { AgentError, AgentErrorCodes, type MfaEnrollBeginResult, type MfaStatusResult } from '../../../../shared/protocol/src/common/index.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import type { Clock } from '../time/clock.ts';
import type { AgentDatabase } from '../store/database.ts';
import { DEFAULT_ENROLLMENT_CODE_HOURS, EnrollmentCodes } from './enrollmentCodes.ts';
import { SecretBox, type Sealed } from './secretBox.ts';

export interface MfaServiceOptions {
  readonly db: AgentDatabase;
  /** Where the sealing key of the TOTP secrets lives. */
  readonly dataDir: string;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly settings?: MfaOptions;
}

export interface MfaOptions {
  /** How long a successful verification covers further actions of the same type (default 5 min). */
  readonly sessionMs?: number;
  /** How long a begun enrollment waits for its confirming code (default 10 min). */
  readonly enrollmentTtlMs?: number;
  /** Consecutive wrong codes that trigger a lockout (default 5). */
  readonly maxFailures?: number;
  /** First lockout (default 1 min); each further one doubles, up to maxLockoutMs (default 1 h). */
  readonly firstLockoutMs?: number;
  readonly maxLockoutMs?: number;
  /** Accepted clock drift in seconds, either way (default 30 = one RFC 6238 step). */
  readonly toleranceSeconds?: number;
  /** Issuer and host shown by the authenticator app (defaults "Keeper" and this machine's name). */
  readonly issuer?: string;
  readonly hostname?: string;
}

export type MfaVerifyFailure = 'not-enrolled' | 'invalid' | 'replayed' | 'locked';

export type MfaVerifyResult =
  { readonly ok: true } | { readonly ok: false; readonly reason: MfaVerifyFailure; readonly retriesLeft?: number; readonly lockedUntil?: string };

const CODE = /^\d{6}$/;
const PERIOD_SECONDS = 30;
const MAX_ACTION_TYPE = 100;

interface SecretRow {
  secret_ciphertext: Buffer;
  secret_iv: Buffer;
  secret_tag: Buffer;
}
interface EnrollmentRow extends SecretRow {
  last_time_step: number | null;
}
interface PendingRow extends SecretRow {
  id: string;
  uid: number;
  expires_at: string;
}
interface FailureRow {
  consecutive_failures: number;
  lockouts: number;
  locked_until: string | null;
}

/**
 * RFC 6238 TOTP for the agent's MFA control (otplib). A user enrolls once (begin → scan → confirm with
 * a code); afterwards `verify` accepts each code at most once (the accepted time step is stored and
 * passed as `afterTimeStep`), opens a session per user and action type, and locks the user out with
 * back-off after repeated wrong codes. Everything lives in SQLite and every time comes from `clock`,
 * so a restart loses nothing and tests control time.
 */
export class MfaService {
  private readonly db: AgentDatabase;
  private readonly clock: Clock;
  private readonly audit: AuditLog;
  private readonly box: SecretBox;
  private readonly codes: EnrollmentCodes;
  private readonly options: Required<MfaOptions>;
  /** Operations of one user run one after another, so an await never interleaves two checks of one state. */
  private readonly queues = new Map<number, Promise<void>>();

  constructor({ db, dataDir, clock, audit, settings: options = {} }: MfaServiceOptions) {
    this.db = db;
    this.clock = clock;
    this.audit = audit;
    this.box = new SecretBox({ dataDir });
    this.codes = new EnrollmentCodes({ db });
    this.options = {
      sessionMs: options.sessionMs ?? 5 * 60_000,
      enrollmentTtlMs: options.enrollmentTtlMs ?? 10 * 60_000,
      maxFailures: options.maxFailures ?? 5,
      firstLockoutMs: options.firstLockoutMs ?? 60_000,
      maxLockoutMs: options.maxLockoutMs ?? 60 * 60_000,
      toleranceSeconds: options.toleranceSeconds ?? PERIOD_SECONDS,
      issuer: options.issuer ?? 'Keeper',
      hostname: options.hostname ?? hostname(),
    };
  }

  /**
   * An administrator's one-time code that lets `uid` enroll (shown once; only its hash is kept).
   * Issuing again replaces the previous code.
   */
  issueEnrollmentCode(uid: number, issuedBy: number | null, validMs = DEFAULT_ENROLLMENT_CODE_HOURS * 3_600_000): Promise<{ code: string; expiresAt: string }> {
    checkUid(uid);
    return this.serial(uid, () => {
      const now = this.clock.now();
      const issued = this.db.transaction(() => {
        const result = this.codes.issue(uid, issuedBy, now, validMs);
        this.audit.append({ type: 'mfa.enrollment-code.issued', actorUid: issuedBy, requestId: null, data: { uid, expiresAt: result.expiresAt } }, now);
        return result;
      })();
      return Promise.resolve(issued);
    });
  }

  /**
   * Creates a secret for `uid`, pending until confirmed, once `enrollmentCode` proves an administrator
   * let this user enroll: whoever merely runs code as the user (or answers the first MFA prompt) must
   * not become the owner of the second factor. An enrolled user cannot replace the secret this way.
   */
  beginEnrollment(uid: number, userName: string | null, enrollmentCode: string): Promise<MfaEnrollBeginResult> {
    checkUid(uid);
    return this.serial(uid, async () => {
      if (this.isEnrolled(uid)) {
        throw new AgentError(AgentErrorCodes.Conflict, 'MFA is already set up for this user; an administrator must reset it before enrolling again');
      }
      const now = this.clock.now();
      if (!this.codes.matches(uid, enrollmentCode, now)) this.refuseEnrollment(uid, now);
      const secret = generateSecret();
      const issuer = this.options.issuer;
      const account = `${userName ?? `uid ${uid}`}@${this.options.hostname}`;
      const otpauthUri = generateURI({ issuer, label: account, secret });
      // qrcode (with pngjs) is loaded on the first enrollment only, not at every start of the agent.
      const { toDataURL } = await import('qrcode');
      const qrPngDataUrl = await toDataURL(otpauthUri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
      const enrollmentId = randomUUID();
      const expiresAt = new Date(now.getTime() + this.options.enrollmentTtlMs).toISOString();
      const sealed = this.box.seal(secret, pendingContext(enrollmentId, uid));
      this.db.transaction(() => {
        // One pending enrollment per user: a new QR code makes the older ones useless.
        this.db.prepare('DELETE FROM mfa_pending_enrollments WHERE uid = ?').run(uid);
        this.db
          .prepare(
            `INSERT INTO mfa_pending_enrollments (id, uid, secret_ciphertext, secret_iv, secret_tag, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(enrollmentId, uid, sealed.ciphertext, sealed.iv, sealed.tag, now.toISOString(), expiresAt);
        this.audit.append({ type: 'mfa.enrollment.started', actorUid: uid, requestId: null, data: { enrollmentId, account, expiresAt } }, now);
      })();
      return { enrollmentId, otpauthUri, secret, qrPngDataUrl, issuer, account, expiresAt };
    });
  }

  /** Enrolls `uid` once a code proves the app holds the pending secret; a wrong code leaves it pending. */
  confirmEnrollment(uid: number, enrollmentId: string, code: string): Promise<{ enrolled: true }> {
    checkUid(uid);
    return this.serial(uid, async () => {
      const pending = this.db
        .prepare('SELECT id, uid, secret_ciphertext, secret_iv, secret_tag, expires_at FROM mfa_pending_enrollments WHERE id = ? AND uid = ?')
        .get(enrollmentId, uid) as PendingRow | undefined;
      if (!pending) throw new AgentError(AgentErrorCodes.NotFound, 'no such MFA enrollment for this user; start again');
      const now = this.clock.now();
      if (pending.expires_at <= now.toISOString()) {
        this.db.prepare('DELETE FROM mfa_pending_enrollments WHERE id = ?').run(enrollmentId);
        throw new AgentError(AgentErrorCodes.Expired, 'this MFA enrollment expired; start again to get a new QR code', { expiresAt: pending.expires_at });
      }
      if (this.isEnrolled(uid)) throw new AgentError(AgentErrorCodes.Conflict, 'MFA is already set up for this user');
      // The code may have been spent, replaced or expired since the enrollment began.
      if (!this.codes.held(uid, now)) this.refuseEnrollment(uid, now);
      const secret = this.box.open(sealedOf(pending), pendingContext(enrollmentId, uid));
      const result = CODE.test(code) ? await this.check(secret, code, now, null) : null;
      if (!result) {
        throw new AgentError(AgentErrorCodes.Unauthorized, 'the code does not match; check the app and try again', { reason: 'invalid-code' });
      }
      const enrolledAt = this.clock.now();
      const sealed = this.box.seal(secret, enrollmentContext(uid));
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM mfa_pending_enrollments WHERE uid = ?').run(uid);
        this.codes.spend(uid);
        this.db
          .prepare(
            `INSERT INTO mfa_enrollments (uid, secret_ciphertext, secret_iv, secret_tag, enrolled_at, last_time_step)
             VALUES (?, ?, ?, ?, ?, ?)`,
          )
          // The confirming code is spent: it cannot also pass the next verification.
          .run(uid, sealed.ciphertext, sealed.iv, sealed.tag, enrolledAt.toISOString(), result.timeStep);
        this.db.prepare('DELETE FROM mfa_failures WHERE uid = ?').run(uid);
        this.audit.append({ type: 'mfa.enrolled', actorUid: uid, requestId: null, data: { enrollmentId } }, enrolledAt);
      })();
      return { enrolled: true as const };
    });
  }

  /**
   * Checks a code for an action of `actionType`; success opens a session for that user and type.
   * `requestId` only links the audit events to the elevation request that asked for MFA.
   */
  verify(uid: number, actionType: string, code: string, requestId: string | null = null): Promise<MfaVerifyResult> {
    checkUid(uid);
    checkActionType(actionType);
    return this.serial(uid, async () => {
      const now = this.clock.now();
      const enrollment = this.db.prepare('SELECT secret_ciphertext, secret_iv, secret_tag, last_time_step FROM mfa_enrollments WHERE uid = ?').get(uid) as
        EnrollmentRow | undefined;
      if (!enrollment) return { ok: false, reason: 'not-enrolled' };

      const audit = (type: string, data: Record<string, unknown>, at: Date) =>
        this.audit.append({ type, actorUid: uid, requestId, data: { actionType, ...data } }, at);

      const lockedUntil = this.lockedUntil(uid, now);
      if (lockedUntil) {
        audit('mfa.failed', { reason: 'locked', lockedUntil }, now);
        return { ok: false, reason: 'locked', lockedUntil };
      }

      const secret = this.box.open(sealedOf(enrollment), enrollmentContext(uid));
      const lastStep = enrollment.last_time_step;
      const accepted = CODE.test(code) ? await this.check(secret, code, now, lastStep) : null;
      const at = this.clock.now();

      if (accepted) {
        const sessionExpiresAt = new Date(at.getTime() + this.options.sessionMs).toISOString();
        const stored = this.db.transaction(() => {
          // Compare-and-set: the step must still be newer than the stored one when it is written.
          const updated = this.db
            .prepare('UPDATE mfa_enrollments SET last_time_step = ? WHERE uid = ? AND (last_time_step IS NULL OR last_time_step < ?)')
            .run(accepted.timeStep, uid, accepted.timeStep);
          if (updated.changes !== 1) return false;
          this.db.prepare('DELETE FROM mfa_failures WHERE uid = ?').run(uid);
          this.db
            .prepare(
              `INSERT INTO mfa_sessions (uid, action_type, expires_at) VALUES (?, ?, ?)
               ON CONFLICT (uid, action_type) DO UPDATE SET expires_at = excluded.expires_at`,
            )
            .run(uid, actionType, sessionExpiresAt);
          audit('mfa.verified', { sessionExpiresAt, drift: accepted.delta }, at);
          return true;
        })();
        if (stored) return { ok: true };
      }

      // Refused with replay protection: would the code have passed without it? Then it was already used.
      if (lastStep !== null && CODE.test(code) && (await this.check(secret, code, now, null))) {
        audit('mfa.replayed', {}, at);
        return { ok: false, reason: 'replayed' };
      }
      return this.recordFailure(uid, at, audit);
    });
  }

  /** Whether a verification of this user for this action type is still fresh enough to skip the prompt. */
  hasSession(uid: number, actionType: string): boolean {
    const row = this.db
      .prepare('SELECT 1 FROM mfa_sessions WHERE uid = ? AND action_type = ? AND expires_at > ?')
      .get(uid, actionType, this.clock.now().toISOString());
    return row !== undefined;
  }

  status(uid: number): MfaStatusResult {
    const now = this.clock.now();
    const sessions = this.db
      .prepare('SELECT action_type, expires_at FROM mfa_sessions WHERE uid = ? AND expires_at > ? ORDER BY action_type')
      .all(uid, now.toISOString()) as { action_type: string; expires_at: string }[];
    return {
      enrolled: this.isEnrolled(uid),
      lockedUntil: this.lockedUntil(uid, now),
      sessions: sessions.map((s) => ({ actionType: s.action_type, expiresAt: s.expires_at })),
    };
  }

  /** Removes a user's MFA (administrator action, e.g. a lost phone); the next prompt asks them to enroll. */
  resetEnrollment(uid: number, actorUid: number | null): Promise<boolean> {
    checkUid(uid);
    return this.serial(uid, () => {
      const now = this.clock.now();
      const removed = this.db.transaction(() => {
        const changes = this.db.prepare('DELETE FROM mfa_enrollments WHERE uid = ?').run(uid).changes;
        this.db.prepare('DELETE FROM mfa_pending_enrollments WHERE uid = ?').run(uid);
        this.db.prepare('DELETE FROM mfa_failures WHERE uid = ?').run(uid);
        this.db.prepare('DELETE FROM mfa_sessions WHERE uid = ?').run(uid);
        if (changes > 0) this.audit.append({ type: 'mfa.reset', actorUid, requestId: null, data: { uid } }, now);
        return changes > 0;
      })();
      return Promise.resolve(removed);
    });
  }

  /** Drops expired pending enrollments and sessions (housekeeping; expired rows are ignored anyway). */
  prune(): void {
    const now = this.clock.now().toISOString();
    this.db.prepare('DELETE FROM mfa_pending_enrollments WHERE expires_at <= ?').run(now);
    this.db.prepare('DELETE FROM mfa_sessions WHERE expires_at <= ?').run(now);
  }

  private async check(secret: string, token: string, now: Date, afterTimeStep: number | null): Promise<{ timeStep: number; delta: number } | null> {
    const result = await verifyTotp({
      secret,
      token,
      epoch: Math.floor(now.getTime() / 1000),
      epochTolerance: this.options.toleranceSeconds,
      ...(afterTimeStep === null ? {} : { afterTimeStep }),
    });
    if (!result.valid || !('timeStep' in result)) return null;
    return { timeStep: result.timeStep, delta: result.delta };
  }

  private recordFailure(uid: number, at: Date, audit: (type: string, data: Record<string, unknown>, at: Date) => void): MfaVerifyResult {
    return this.db.transaction((): MfaVerifyResult => {
      const row = this.db.prepare('SELECT consecutive_failures, lockouts, locked_until FROM mfa_failures WHERE uid = ?').get(uid) as FailureRow | undefined;
      const failures = (row?.consecutive_failures ?? 0) + 1;
      const lockouts = row?.lockouts ?? 0;
      if (failures < this.options.maxFailures) {
        this.db
          .prepare(
            `INSERT INTO mfa_failures (uid, consecutive_failures, lockouts, locked_until) VALUES (?, ?, ?, NULL)
             ON CONFLICT (uid) DO UPDATE SET consecutive_failures = excluded.consecutive_failures, locked_until = NULL`,
          )
          .run(uid, failures, lockouts);
        const retriesLeft = this.options.maxFailures - failures;
        audit('mfa.failed', { reason: 'invalid', failures, retriesLeft }, at);
        return { ok: false, reason: 'invalid', retriesLeft };
      }
      const lockout = lockouts + 1;
      const duration = Math.min(this.options.firstLockoutMs * 2 ** (lockout - 1), this.options.maxLockoutMs);
      const lockedUntil = new Date(at.getTime() + duration).toISOString();
      this.db
        .prepare(
          `INSERT INTO mfa_failures (uid, consecutive_failures, lockouts, locked_until) VALUES (?, 0, ?, ?)
           ON CONFLICT (uid) DO UPDATE SET consecutive_failures = 0, lockouts = excluded.lockouts, locked_until = excluded.locked_until`,
        )
        .run(uid, lockout, lockedUntil);
      audit('mfa.failed', { reason: 'invalid', failures, retriesLeft: 0 }, at);
      audit('mfa.locked', { lockout, lockedUntil, seconds: duration / 1000 }, at);
      return { ok: false, reason: 'locked', lockedUntil, retriesLeft: 0 };
    })();
  }

  private refuseEnrollment(uid: number, now: Date): never {
    this.audit.append({ type: 'mfa.enrollment.refused', actorUid: uid, requestId: null, data: { reason: 'invalid-enrollment-code' } }, now);
    throw new AgentError(
      AgentErrorCodes.Unauthorized,
      'the enrollment code is not valid or has expired; ask an administrator for a new one (keeper-agent mfa issue)',
      {
        reason: 'invalid-enrollment-code',
        reasonDetail: { code: 'mfa-enrollment-code-invalid', values: {} },
      },
    );
  }

  private isEnrolled(uid: number): boolean {
    return this.db.prepare('SELECT 1 FROM mfa_enrollments WHERE uid = ?').get(uid) !== undefined;
  }

  private lockedUntil(uid: number, now: Date): string | null {
    const row = this.db.prepare('SELECT locked_until FROM mfa_failures WHERE uid = ? AND locked_until > ?').get(uid, now.toISOString()) as
      Pick<FailureRow, 'locked_until'> | undefined;
    return row?.locked_until ?? null;
  }

  private serial<T>(uid: number, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(uid) ?? Promise.resolve();
    const run = previous.then(task);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(uid, tail);
    void tail.then(() => {
      if (this.queues.get(uid) === tail) this.queues.delete(uid);
    });
    return run;
  }
}

function sealedOf(row: SecretRow): Sealed {
  return { ciphertext: row.secret_ciphertext, iv: row.secret_iv, tag: row.secret_tag };
}

/** Associated data: a ciphertext opens only in the row (user, enrollment) it was written for. */
function enrollmentContext(uid: number): string {
  return `keeper-mfa-enrollment:${uid}`;
}
function pendingContext(enrollmentId: string, uid: number): string {
  return `keeper-mfa-pending:${enrollmentId}:${uid}`;
}

function checkUid(uid: number): void {
  if (!Number.isSafeInteger(uid) || uid < 0) throw new TypeError(`not a uid: ${uid}`);
}

function checkActionType(actionType: string): void {
  if (actionType.length === 0 || actionType.length > MAX_ACTION_TYPE) {
    throw new TypeError(`an MFA action type is 1 to ${MAX_ACTION_TYPE} characters`);
  }
}
