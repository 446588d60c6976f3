import {
  AgentError,
  AgentErrorCodes,
  MfaEnrollBegin,
  MfaEnrollConfirm,
} from '../../../../../shared/protocol/src/common/index.ts';
import type { MfaEnrollmentProblem, MfaEnrollmentService } from '../../../../../shared/bridge/src/common/services/mfaEnrollment.ts';
import type { ServiceImplementation } from '../../../../../shared/bridge/src/common/serviceDescriptor.ts';
import type { AgentLink } from '../agent/agentLink.ts';

/** The agent refuses a wrong confirming code as Unauthorized with `data.reason: 'invalid-code'`. */
function isInvalidCode(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { reason?: unknown }).reason === 'invalid-code';
}

/** What the window can tell the user about a refused enrollment step. */
export function enrollmentProblem(error: unknown): MfaEnrollmentProblem {
  if (!(error instanceof AgentError)) return 'unavailable';
  switch (error.code) {
    case AgentErrorCodes.Unauthorized:
      return isInvalidCode(error.data) ? 'invalid-code' : 'unavailable';
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
    begin: async () => {
      try {
        return { ok: true, enrollment: await link.request(MfaEnrollBegin, undefined) };
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
