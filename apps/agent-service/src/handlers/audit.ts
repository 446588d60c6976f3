import { AgentError, AgentErrorCodes, AuditQuery } from '../../../../shared/protocol/src/common/index.ts';
import type { ApproverRoles } from '../approvals/approverRoles.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { route, type RegisteredHandler } from '../ipc/agentConnection.ts';

/** The audit log is read by administrators and approvers only. */
export function auditHandlers(audit: AuditLog, roles: Pick<ApproverRoles, 'rolesOf'>): RegisteredHandler[] {
  return [
    route(AuditQuery, async (params, context) => {
      if ((await roles.rolesOf(context.peer.uid)).length === 0)
        throw new AgentError(AgentErrorCodes.Unauthorized, 'only administrators and approvers may read the audit log');
      return { events: audit.after(params?.afterSeq ?? 0, params?.limit ?? 200, { types: params?.types, requestId: params?.requestId }) };
    }),
  ];
}
