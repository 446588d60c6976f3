import { ApprovalsDecide, ApprovalsList } from '../../../../shared/protocol/src/common/index.ts';
import type { ApprovalService } from '../approvals/approvalService.ts';
import { route, type RegisteredHandler } from '../ipc/agentConnection.ts';

export function approvalHandlers(approvals: ApprovalService): RegisteredHandler[] {
  return [
    route(ApprovalsList, (params, context) => approvals.list(context.peer.uid, params ?? {})),
    route(ApprovalsDecide, (params, context) => approvals.decide(context.peer.uid, params)),
  ];
}
