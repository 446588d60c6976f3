import * as z from 'zod';
import { MfaCode, MfaEnrollBeginParams, MfaEnrollBeginResult } from '../../../../protocol/src/common/methods/mfa.ts';
import { call, defineService } from '../serviceDescriptor.ts';

/**
 * Why an enrollment step did not go through, as the MFA window tells the user: a code that does not
 * match, an enrollment code from the administrator that is wrong or expired, an enrollment that
 * expired (start again), MFA already set up for this user, a window that is not in a verified
 * desktop session, or no agent.
 */
export const MfaEnrollmentProblem = z.enum(['invalid-code', 'invalid-enrollment-code', 'expired', 'already-enrolled', 'not-desktop', 'unavailable']);
export type MfaEnrollmentProblem = z.infer<typeof MfaEnrollmentProblem>;

export const MfaEnrollmentStarted = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), enrollment: MfaEnrollBeginResult }),
  z.object({ ok: z.literal(false), reason: MfaEnrollmentProblem }),
]);
export type MfaEnrollmentStarted = z.infer<typeof MfaEnrollmentStarted>;

export const MfaEnrollmentConfirmed = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true) }),
  z.object({ ok: z.literal(false), reason: MfaEnrollmentProblem }),
]);
export type MfaEnrollmentConfirmed = z.infer<typeof MfaEnrollmentConfirmed>;

/**
 * Setting up the authenticator app from the MFA window: main forwards to the agent's
 * `mfa.enroll.begin` / `mfa.enroll.confirm` for the user of this desktop session, and turns the
 * agent's refusals into a reason the window can translate (bridge errors carry only a message).
 */
export const MfaEnrollmentService = defineService('keeper.mfaEnrollment', {
  /** With the one-time enrollment code an administrator issued (`keeper-agent mfa issue`). */
  begin: call(z.tuple([MfaEnrollBeginParams.shape.enrollmentCode]), MfaEnrollmentStarted),
  confirm: call(z.tuple([z.string().min(1).max(100), MfaCode]), MfaEnrollmentConfirmed),
});
