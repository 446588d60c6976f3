import {
  AgentError,
  AgentErrorCodes,
  MfaEnrollBegin,
  MfaEnrollConfirm,
  MfaStatus,
} from '../../../../shared/protocol/src/common/index.ts';
import { route, type ConnectionContext, type RegisteredHandler } from '../ipc/agentConnection.ts';
import type { MfaService } from '../mfa/mfaService.ts';

/** MFA acts on the caller's own enrollment only; the caller is whoever the kernel says it is. */
function callerUid(context: ConnectionContext): number {
  const uid = context.peer.uid;
  if (uid === null) {
    throw new AgentError(AgentErrorCodes.Unauthorized, 'the agent cannot tell who is asking (no peer credentials), so it cannot manage MFA');
  }
  return uid;
}

export function mfaHandlers(mfa: MfaService): RegisteredHandler[] {
  return [
    route(MfaEnrollBegin, (_params, context) => mfa.beginEnrollment(callerUid(context), context.peer.userName)),
    route(MfaEnrollConfirm, (params, context) => mfa.confirmEnrollment(callerUid(context), params.enrollmentId, params.code)),
    route(MfaStatus, (_params, context) => mfa.status(callerUid(context))),
  ];
}
