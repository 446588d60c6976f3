import * as z from 'zod';
import { MfaCode, MfaEnrollBeginResult } from '../../../../protocol/src/common/methods/mfa.ts';
import { call, defineService } from '../serviceDescriptor.ts';

/**
 * Why an enrollment step did not go through, as the MFA window tells the user: a code that does not
 * match, an enrollment that expired (start again), MFA already set up for this user, or no agent.
 */
export const MfaEnrollmentProblem = z.enum(['invalid-code', 'expired', 'already-enrolled', 'unavailable']);
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
  begin: call(z.tuple([]), MfaEnrollmentStarted),
  confirm: call(z.tuple([z.string().min(1).max(100), MfaCode]), MfaEnrollmentConfirmed),
});
