import { AgentError, AgentErrorCodes, MfaEnrollBegin, MfaEnrollConfirm, MfaStatus } from '../../../../shared/protocol/src/common/index.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { route, type ConnectionContext, type RegisteredHandler } from '../ipc/agentConnection.ts';
import type { MfaService } from '../mfa/mfaService.ts';
import { requireVerifiedDesktop } from '../prompts/desktopGate.ts';
import type { Clock } from '../time/clock.ts';

/** MFA acts on the caller's own enrollment only; the caller is whoever the kernel says it is. */
function callerUid(context: ConnectionContext): number {
  const uid = context.peer.uid;
  if (uid === null) {
    throw new AgentError(AgentErrorCodes.Unauthorized, 'the agent cannot tell who is asking (no peer credentials), so it cannot manage MFA');
  }
  return uid;
}

/** Enrolling is done at the person's own verified desktop, with an administrator's enrollment code. */
export function mfaHandlers(mfa: MfaService, audit: AuditLog, clock: Clock): RegisteredHandler[] {
  const atDesktop = (context: ConnectionContext, step: string) =>
    requireVerifiedDesktop(context, audit, clock.now(), { type: 'mfa.enrollment.refused', requestId: null, data: { step } });
  return [
    route(MfaEnrollBegin, (params, context) => {
      const uid = callerUid(context);
      atDesktop(context, 'begin');
      return mfa.beginEnrollment(uid, context.peer.userName, params.enrollmentCode);
    }),
    route(MfaEnrollConfirm, (params, context) => {
      const uid = callerUid(context);
      atDesktop(context, 'confirm');
      return mfa.confirmEnrollment(uid, params.enrollmentId, params.code);
    }),
    route(MfaStatus, (_params, context) => mfa.status(callerUid(context))),
  ];
}
