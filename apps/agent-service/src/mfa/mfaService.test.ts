import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentError, AgentErrorCodes, MfaEnrollBeginResult, MfaEnrollConfirmResult, MfaStatusResult } from '../../../../shared/protocol/src/common/index.ts';
import { AuditLog } from '../audit/auditLog.ts';
import type { Clock } from '../time/clock.ts';
import { openAgentDatabase, type AgentDatabase } from '../store/database.ts';
import { MfaService, type MfaOptions } from './mfaService.ts';

const UID = 1000;
const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** 15 s into an RFC 6238 step, so ±30 s lands cleanly in the neighbouring steps. */
const START = Date.UTC(2026, 10, 23, 12, 0, 15);

class FakeClock implements Clock {
  ms = START;
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** What the user's authenticator app shows at `ms`. */
function codeAt(secret: string, ms: number): Promise<string> {
  return generate({ secret, epoch: Math.floor(ms / 1000) });
}

/** A well-formed code that no step within ±1 of `ms` produces. */
async function wrongCodeAt(secret: string, ms: number): Promise<string> {
  const valid = new Set(await Promise.all([-30, 0, 30].map((d) => codeAt(secret, ms + d * SECOND))));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

async function rejection(promise: Promise<unknown>): Promise<AgentError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentError);
  return error as AgentError;
}

describe('MfaService', () => {
  let dir: string;
  let clock: FakeClock;
  const databases: AgentDatabase[] = [];

  const open = (options?: MfaOptions) => {
    const db = openAgentDatabase(dir);
    databases.push(db);
    return { db, mfa: new MfaService({ db, dataDir: dir, clock, audit: new AuditLog({ db }), settings: { hostname: 'testhost', ...options } }) };
  };

  /** Begins UID's enrollment with an enrollment code an administrator (uid 0) just issued. */
  const begin = async (mfa: MfaService) => mfa.beginEnrollment(UID, 'ana', (await mfa.issueEnrollmentCode(UID, 0)).code);

  /** Enrolls UID; afterwards the clock is one step later, since the confirming code is spent. */
  const enroll = async (mfa: MfaService) => {
    const begun = await begin(mfa);
    await mfa.confirmEnrollment(UID, begun.enrollmentId, await codeAt(begun.secret, clock.ms));
    clock.advance(30 * SECOND);
    return begun.secret;
  };

  const auditEvents = (db: AgentDatabase) =>
    db.prepare('SELECT type, actor_uid, data_json FROM audit_events ORDER BY seq').all() as { type: string; actor_uid: number; data_json: string }[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keeper-mfa-'));
    clock = new FakeClock();
  });
  afterEach(() => {
    for (const db of databases.splice(0)) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('enrollment', () => {
    it('begins with an otpauth URI and QR code, and a code from the app confirms it', async () => {
      const { db, mfa } = open();
      expect(mfa.status(UID)).toEqual({ enrolled: false, lockedUntil: null, sessions: [] });

      const begun = await begin(mfa);
      expect(begun.issuer).toBe('Keeper');
      expect(begun.account).toBe('ana@testhost');
      expect(begun.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(begun.otpauthUri).toBe(`otpauth://totp/Keeper:ana%40testhost?secret=${begun.secret}&issuer=Keeper`);
      expect(begun.qrPngDataUrl).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
      expect(begun.expiresAt).toBe(new Date(START + 10 * MINUTE).toISOString());
      expect(mfa.status(UID).enrolled).toBe(false);
      // What the handlers return passes the protocol's result schemas.
      expect(MfaEnrollBeginResult.parse(begun)).toEqual(begun);

      clock.advance(2 * MINUTE);
      const confirmed = await mfa.confirmEnrollment(UID, begun.enrollmentId, await codeAt(begun.secret, clock.ms));
      expect(MfaEnrollConfirmResult.parse(confirmed)).toEqual({ enrolled: true });
      expect(mfa.status(UID).enrolled).toBe(true);
      expect(db.prepare('SELECT COUNT(*) AS n FROM mfa_pending_enrollments').get()).toEqual({ n: 0 });

      const events = auditEvents(db);
      expect(events.map((e) => e.type)).toEqual(['mfa.enrollment-code.issued', 'mfa.enrollment.started', 'mfa.enrolled']);
      expect(events.map((e) => e.actor_uid)).toEqual([0, UID, UID]);
      expect(events.every((e) => !e.data_json.includes(begun.secret))).toBe(true);
    });

    it('needs the enrollment code an administrator issued, keeps only its hash, and spends it on confirmation', async () => {
      const { db, mfa } = open();
      const refused = await rejection(mfa.beginEnrollment(UID, 'ana', 'ABCD-EFGH-JKMN'));
      expect(refused.code).toBe(AgentErrorCodes.Unauthorized);
      expect(refused.data).toMatchObject({ reason: 'invalid-enrollment-code', reasonDetail: { code: 'mfa-enrollment-code-invalid' } });

      const issued = await mfa.issueEnrollmentCode(UID, 0, 60 * MINUTE);
      expect(issued.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
      expect(JSON.stringify(db.prepare('SELECT * FROM mfa_enrollment_codes').all())).not.toContain(issued.code.replace(/-/g, ''));
      // Another user's code does not fit, nor does a guess.
      expect((await rejection(mfa.beginEnrollment(UID + 1, 'bo', issued.code))).code).toBe(AgentErrorCodes.Unauthorized);
      // Typed in lower case without the dashes, it still fits.
      const begun = await mfa.beginEnrollment(UID, 'ana', issued.code.toLowerCase().replace(/-/g, ' '));
      await mfa.confirmEnrollment(UID, begun.enrollmentId, await codeAt(begun.secret, clock.ms));
      expect(db.prepare('SELECT COUNT(*) AS n FROM mfa_enrollment_codes').get()).toEqual({ n: 0 });

      await mfa.resetEnrollment(UID, 0);
      expect((await rejection(mfa.beginEnrollment(UID, 'ana', issued.code))).code).toBe(AgentErrorCodes.Unauthorized);
      expect(auditEvents(db).filter((e) => e.type === 'mfa.enrollment.refused')).toHaveLength(3);
    });

    it('refuses an expired enrollment code, and one replaced or expired before the confirmation', async () => {
      const { mfa } = open();
      const issued = await mfa.issueEnrollmentCode(UID, 0, 20 * MINUTE);
      const begun = await mfa.beginEnrollment(UID, 'ana', issued.code);
      clock.advance(21 * MINUTE);
      expect((await rejection(mfa.beginEnrollment(UID, 'ana', issued.code))).code).toBe(AgentErrorCodes.Unauthorized);

      const again = await mfa.issueEnrollmentCode(UID, 0, 5 * MINUTE);
      const second = await mfa.beginEnrollment(UID, 'ana', again.code);
      expect(begun.enrollmentId).not.toBe(second.enrollmentId);
      clock.advance(6 * MINUTE);
      const error = await rejection(mfa.confirmEnrollment(UID, second.enrollmentId, await codeAt(second.secret, clock.ms)));
      expect(error.data).toMatchObject({ reason: 'invalid-enrollment-code' });
      expect(mfa.status(UID).enrolled).toBe(false);
    });

    it('refuses a wrong code and keeps the pending enrollment', async () => {
      const { mfa } = open();
      const begun = await begin(mfa);
      const error = await rejection(mfa.confirmEnrollment(UID, begun.enrollmentId, await wrongCodeAt(begun.secret, clock.ms)));
      expect(error.code).toBe(AgentErrorCodes.Unauthorized);
      expect(error.data).toEqual({ reason: 'invalid-code' });
      expect(mfa.status(UID).enrolled).toBe(false);
      // Malformed codes are refused the same way (otplib would throw on them).
      expect((await rejection(mfa.confirmEnrollment(UID, begun.enrollmentId, '12345'))).code).toBe(AgentErrorCodes.Unauthorized);

      await expect(mfa.confirmEnrollment(UID, begun.enrollmentId, await codeAt(begun.secret, clock.ms))).resolves.toEqual({ enrolled: true });
    });

    it('refuses an expired enrollment, and one that belongs to another user', async () => {
      const { mfa } = open();
      const begun = await begin(mfa);
      expect((await rejection(mfa.confirmEnrollment(UID + 1, begun.enrollmentId, await codeAt(begun.secret, clock.ms)))).code).toBe(AgentErrorCodes.NotFound);

      clock.advance(10 * MINUTE + SECOND);
      const code = await codeAt(begun.secret, clock.ms);
      expect((await rejection(mfa.confirmEnrollment(UID, begun.enrollmentId, code))).code).toBe(AgentErrorCodes.Expired);
      expect((await rejection(mfa.confirmEnrollment(UID, begun.enrollmentId, code))).code).toBe(AgentErrorCodes.NotFound);
      expect(mfa.status(UID).enrolled).toBe(false);
    });

    it('replaces an older pending enrollment and never re-enrolls an enrolled user', async () => {
      const { mfa } = open();
      const first = await begin(mfa);
      const second = await begin(mfa);
      expect(second.secret).not.toBe(first.secret);
      expect((await rejection(mfa.confirmEnrollment(UID, first.enrollmentId, await codeAt(first.secret, clock.ms)))).code).toBe(AgentErrorCodes.NotFound);
      await mfa.confirmEnrollment(UID, second.enrollmentId, await codeAt(second.secret, clock.ms));
      expect((await rejection(begin(mfa))).code).toBe(AgentErrorCodes.Conflict);

      await expect(mfa.resetEnrollment(UID, 0)).resolves.toBe(true);
      expect(mfa.status(UID).enrolled).toBe(false);
      await expect(begin(mfa)).resolves.toMatchObject({ account: 'ana@testhost' });
    });
  });

  describe('verification', () => {
    it('answers not-enrolled for a user without MFA', async () => {
      const { mfa } = open();
      await expect(mfa.verify(UID, 'PrivilegeElevation', '123456')).resolves.toEqual({ ok: false, reason: 'not-enrolled' });
    });

    it('accepts a current code once; the same code again is a replay', async () => {
      const { db, mfa } = open();
      const secret = await enroll(mfa);
      const code = await codeAt(secret, clock.ms);
      await expect(mfa.verify(UID, 'PrivilegeElevation', code, 'req-1')).resolves.toEqual({ ok: true });
      await expect(mfa.verify(UID, 'PrivilegeElevation', code)).resolves.toEqual({ ok: false, reason: 'replayed' });
      clock.advance(10 * SECOND);
      await expect(mfa.verify(UID, 'FileAccess', code)).resolves.toEqual({ ok: false, reason: 'replayed' });
      // Replays are refused but do not count towards a lockout.
      expect(db.prepare('SELECT COUNT(*) AS n FROM mfa_failures').get()).toEqual({ n: 0 });

      const events = auditEvents(db).slice(3);
      expect(events.map((e) => e.type)).toEqual(['mfa.verified', 'mfa.replayed', 'mfa.replayed']);
      for (const e of events) {
        expect(e.data_json).not.toContain(secret);
        expect(Object.keys(JSON.parse(e.data_json) as object)).not.toContain('code');
      }
      expect(db.prepare("SELECT request_id FROM audit_events WHERE type = 'mfa.verified'").get()).toEqual({ request_id: 'req-1' });
    });

    it('accepts a code only once even when two verifications race', async () => {
      const { mfa } = open();
      const secret = await enroll(mfa);
      const code = await codeAt(secret, clock.ms);
      const results = await Promise.all([mfa.verify(UID, 'PrivilegeElevation', code), mfa.verify(UID, 'FileAccess', code)]);
      expect(results).toEqual([{ ok: true }, { ok: false, reason: 'replayed' }]);
    });

    it('the code that confirmed the enrollment cannot also pass a verification', async () => {
      const { mfa } = open();
      const begun = await begin(mfa);
      const code = await codeAt(begun.secret, clock.ms);
      await mfa.confirmEnrollment(UID, begun.enrollmentId, code);
      await expect(mfa.verify(UID, 'PrivilegeElevation', code)).resolves.toEqual({ ok: false, reason: 'replayed' });
    });

    it('tolerates one step of drift (±30 s) but not two', async () => {
      const { mfa } = open();
      const secret = await enroll(mfa);
      clock.advance(60 * SECOND);
      await expect(mfa.verify(UID, 'PrivilegeElevation', await codeAt(secret, clock.ms - 60 * SECOND))).resolves.toEqual({
        ok: false,
        reason: 'invalid',
        retriesLeft: 4,
      });
      await expect(mfa.verify(UID, 'PrivilegeElevation', await codeAt(secret, clock.ms - 30 * SECOND))).resolves.toEqual({ ok: true });
      // An app running 30 s fast is fine too.
      clock.advance(60 * SECOND);
      await expect(mfa.verify(UID, 'PrivilegeElevation', await codeAt(secret, clock.ms + 30 * SECOND))).resolves.toEqual({ ok: true });
      // Once a later step was accepted, the current (earlier) step's code counts as used.
      await expect(mfa.verify(UID, 'PrivilegeElevation', await codeAt(secret, clock.ms))).resolves.toEqual({ ok: false, reason: 'replayed' });
    });

    it('treats a malformed code as a wrong one instead of throwing', async () => {
      const { mfa } = open();
      await enroll(mfa);
      for (const code of ['12345', '1234567', 'abcdef', '']) {
        await expect(mfa.verify(UID, 'PrivilegeElevation', code)).resolves.toMatchObject({ ok: false, reason: 'invalid' });
      }
    });
  });

  describe('lockout', () => {
    it('locks for 1 min after 5 wrong codes, refuses even a right code meanwhile, then works again', async () => {
      const { db, mfa } = open();
      const secret = await enroll(mfa);
      for (let i = 1; i <= 4; i++) {
        await expect(mfa.verify(UID, 'PrivilegeElevation', await wrongCodeAt(secret, clock.ms))).resolves.toEqual({
          ok: false,
          reason: 'invalid',
          retriesLeft: 5 - i,
        });
      }
      const lockedUntil = new Date(clock.ms + MINUTE).toISOString();
      await expect(mfa.verify(UID, 'PrivilegeElevation', await wrongCodeAt(secret, clock.ms))).resolves.toEqual({
        ok: false,
        reason: 'locked',
        lockedUntil,
        retriesLeft: 0,
      });
      expect(mfa.status(UID).lockedUntil).toBe(lockedUntil);

      clock.advance(59 * SECOND);
      await expect(mfa.verify(UID, 'PrivilegeElevation', await codeAt(secret, clock.ms))).resolves.toEqual({ ok: false, reason: 'locked', lockedUntil });

      clock.advance(2 * SECOND);
      expect(mfa.status(UID).lockedUntil).toBeNull();
      await expect(mfa.verify(UID, 'PrivilegeElevation', await codeAt(secret, clock.ms))).resolves.toEqual({ ok: true });
      expect(auditEvents(db).filter((e) => e.type === 'mfa.locked')).toHaveLength(1);
    });

    it('doubles each further lockout up to 1 h, and a success resets the back-off', async () => {
      const { mfa } = open();
      const secret = await enroll(mfa);
      const lockOut = async () => {
        let result;
        for (let i = 0; i < 5; i++) result = await mfa.verify(UID, 'PrivilegeElevation', await wrongCodeAt(secret, clock.ms));
        expect(result).toMatchObject({ ok: false, reason: 'locked' });
        return (Date.parse((result as { lockedUntil: string }).lockedUntil) - clock.ms) / SECOND;
      };
      const durations: number[] = [];
      for (let i = 0; i < 8; i++) {
        const seconds = await lockOut();
        durations.push(seconds);
        clock.advance(seconds * SECOND + SECOND);
      }
      expect(durations).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);

      await expect(mfa.verify(UID, 'PrivilegeElevation', await codeAt(secret, clock.ms))).resolves.toEqual({ ok: true });
      expect(await lockOut()).toBe(60);
    });
  });

  describe('sessions', () => {
    it('lasts 5 minutes for the verified action type only', async () => {
      const { mfa } = open();
      const secret = await enroll(mfa);
      expect(mfa.hasSession(UID, 'PrivilegeElevation')).toBe(false);
      await mfa.verify(UID, 'PrivilegeElevation', await codeAt(secret, clock.ms));
      const expiresAt = new Date(clock.ms + 5 * MINUTE).toISOString();
      expect(mfa.hasSession(UID, 'PrivilegeElevation')).toBe(true);
      expect(mfa.hasSession(UID, 'FileAccess')).toBe(false);
      expect(mfa.hasSession(UID + 1, 'PrivilegeElevation')).toBe(false);
      expect(MfaStatusResult.parse(mfa.status(UID))).toEqual({
        enrolled: true,
        lockedUntil: null,
        sessions: [{ actionType: 'PrivilegeElevation', expiresAt }],
      });

      clock.advance(5 * MINUTE - SECOND);
      expect(mfa.hasSession(UID, 'PrivilegeElevation')).toBe(true);
      clock.advance(2 * SECOND);
      expect(mfa.hasSession(UID, 'PrivilegeElevation')).toBe(false);
      expect(mfa.status(UID).sessions).toEqual([]);
    });

    it('has a configurable length', async () => {
      const { mfa } = open({ sessionMs: 30 * SECOND });
      const secret = await enroll(mfa);
      await mfa.verify(UID, 'CommandLine', await codeAt(secret, clock.ms));
      clock.advance(31 * SECOND);
      expect(mfa.hasSession(UID, 'CommandLine')).toBe(false);
    });
  });

  describe('persistence', () => {
    it('a restarted agent (even after kill -9) keeps the enrollment, the last time step, the lockout and sessions', async () => {
      // The first service's database is never closed, as after kill -9.
      const first = open();
      const secret = await enroll(first.mfa);
      const used = await codeAt(secret, clock.ms);
      await expect(first.mfa.verify(UID, 'PrivilegeElevation', used)).resolves.toEqual({ ok: true });

      const second = open();
      expect(second.mfa.status(UID)).toMatchObject({ enrolled: true, lockedUntil: null });
      expect(second.mfa.hasSession(UID, 'PrivilegeElevation')).toBe(true);
      await expect(second.mfa.verify(UID, 'PrivilegeElevation', used)).resolves.toEqual({ ok: false, reason: 'replayed' });
      let last;
      for (let i = 0; i < 5; i++) last = await second.mfa.verify(UID, 'FileAccess', await wrongCodeAt(secret, clock.ms));
      expect(last).toMatchObject({ reason: 'locked' });

      clock.advance(30 * SECOND);
      const third = open();
      const lockedUntil = new Date(clock.ms + 30 * SECOND).toISOString();
      expect(third.mfa.status(UID).lockedUntil).toBe(lockedUntil);
      await expect(third.mfa.verify(UID, 'FileAccess', await codeAt(secret, clock.ms))).resolves.toEqual({ ok: false, reason: 'locked', lockedUntil });
    });

    it('stores the secret encrypted, never in plaintext', async () => {
      const { db, mfa } = open();
      const dbBytes = () =>
        ['agent.db', 'agent.db-wal']
          .map((name) => join(dir, name))
          .filter((path) => existsSync(path))
          .map((path) => readFileSync(path).toString('latin1'))
          .join('');
      const begun = await begin(mfa);
      expect(dbBytes()).not.toContain(begun.secret);
      await mfa.confirmEnrollment(UID, begun.enrollmentId, await codeAt(begun.secret, clock.ms));
      db.pragma('wal_checkpoint(FULL)');
      const bytes = dbBytes();
      expect(bytes).toContain('mfa_enrollments');
      expect(bytes).not.toContain(begun.secret);
      expect(bytes).not.toContain(begun.secret.slice(0, 16));
      expect(bytes).not.toContain(begun.otpauthUri);
    });

    it.runIf(process.platform !== 'win32')('keeps the key in a 0600 file and refuses a readable one', async () => {
      const { mfa } = open();
      await begin(mfa);
      expect(statSync(join(dir, 'mfa.key')).mode & 0o777).toBe(0o600);

      const other = mkdtempSync(join(tmpdir(), 'keeper-mfa-'));
      try {
        writeFileSync(join(other, 'mfa.key'), Buffer.alloc(32, 1));
        chmodSync(join(other, 'mfa.key'), 0o644);
        const db = openAgentDatabase(other);
        databases.push(db);
        const exposed = new MfaService({ db, dataDir: other, clock, audit: new AuditLog({ db }) });
        await expect(begin(exposed)).rejects.toThrow(/mfa\.key has mode 0644/);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    });
  });
});
