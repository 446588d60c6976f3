import { AgentError, AgentErrorCodes, MfaEnrollBegin, MfaEnrollConfirm } from '../../../../../shared/protocol/src/common/index.ts';
import type { MfaEnrollmentProblem, MfaEnrollmentService } from '../../../../../shared/bridge/src/common/services/mfaEnrollment.ts';
import type { ServiceImplementation } from '../../../../../shared/bridge/src/common/serviceDescriptor.ts';
import type { AgentLink } from '../agent/agentLink.ts';

/**
 * The agent refuses as Unauthorized with a reason in `data`: a wrong confirming code (`reason:
 * 'invalid-code'`), a wrong enrollment code (`reason: 'invalid-enrollment-code'`), or a connection
 * that is not a verified desktop (`reasonDetail.code: 'desktop-unverified'`).
 */
function unauthorizedProblem(data: unknown): MfaEnrollmentProblem {
  if (typeof data !== 'object' || data === null) return 'unavailable';
  const { reason, reasonDetail } = data as { reason?: unknown; reasonDetail?: { code?: unknown } };
  if (reason === 'invalid-code') return 'invalid-code';
  if (reason === 'invalid-enrollment-code') return 'invalid-enrollment-code';
  if (reasonDetail?.code === 'desktop-unverified') return 'not-desktop';
  return 'unavailable';
}

/** What the window can tell the user about a refused enrollment step. */
export function enrollmentProblem(error: unknown): MfaEnrollmentProblem {
  if (!(error instanceof AgentError)) return 'unavailable';
  switch (error.code) {
    case AgentErrorCodes.Unauthorized:
      return unauthorizedProblem(error.data);
    case AgentErrorCodes.NotFound:
    case AgentErrorCodes.Expired:
      return 'expired';
    case AgentErrorCodes.Conflict:
      return 'already-enrolled';
    default:
      return 'unavailable';
  }
}

/**
 * MFA enrollment for the MFA window, forwarded to the agent as the user of this desktop session (the
 * agent knows who from the socket's peer credentials). Main decides nothing: it only translates.
 */
export function mfaEnrollmentMainService(link: AgentLink): ServiceImplementation<typeof MfaEnrollmentService> {
  return {
    begin: async (enrollmentCode) => {
      try {
        return { ok: true, enrollment: await link.request(MfaEnrollBegin, { enrollmentCode }) };
      } catch (error) {
        return { ok: false, reason: enrollmentProblem(error) };
      }
    },
    confirm: async (enrollmentId, code) => {
      try {
        await link.request(MfaEnrollConfirm, { enrollmentId, code });
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: enrollmentProblem(error) };
      }
    },
  };
}
