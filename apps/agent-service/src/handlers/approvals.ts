import { AgentError, AgentErrorCodes, ApprovalsDecide, ApprovalsList, ApprovalsOfflineResponse } from '../../../../shared/protocol/src/common/index.ts';
import type { ApprovalService } from '../approvals/approvalService.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { actorOf } from '../fleet/fleetActor.ts';
import type { ApprovalRelay } from '../fleet/approvalRelay.ts';
import type { QueueHints } from '../fleet/queueHints.ts';
import type { Account } from '../identity/accounts.ts';
import { route, type RegisteredHandler } from '../ipc/agentConnection.ts';
import type { Logger } from '../log/logger.ts';
import type { Clock } from '../time/clock.ts';

/** With a fleet, the queue is the fleet's: this agent speaks for the person the kernel says is calling. */
export interface FleetRelay {
  readonly relay: ApprovalRelay;
  readonly accounts: (uid: number) => Promise<Account>;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly log: Logger;
  readonly hints: QueueHints;
}

export function approvalHandlers(approvals: ApprovalService, fleet?: FleetRelay): RegisteredHandler[] {
  if (!fleet) {
    return [
      route(ApprovalsList, (params, context) => approvals.list(context.peer.uid, params ?? {})),
      route(ApprovalsDecide, (params, context) => approvals.decide(context.peer.uid, params)),
      route(ApprovalsOfflineResponse, () => {
        throw new AgentError(AgentErrorCodes.NotFound, 'offline approval responses come from a fleet server, and this agent has none');
      }),
    ];
  }
  return [
    route(ApprovalsList, async (params, context) => {
      const actor = await actorOf(context.peer.uid, fleet.accounts);
      const listed = await fleet.relay.list(actor, params ?? {});
      fleet.hints.approverListed(actor.uid);
      return listed;
    }),
    route(ApprovalsOfflineResponse, async (params, context) => {
      const actor = await actorOf(context.peer.uid, fleet.accounts);
      const base = { actorUid: actor.uid, requestId: null };
      try {
        const issued = await fleet.relay.offlineResponse(actor, params);
        fleet.audit.append(
          { ...base, type: 'approval.offline.relayed', data: { machine: issued.machine, challenge: params.challenge, actor: actor.name } },
          fleet.clock.now(),
        );
        return { response: issued.response, approver: issued.approver, machine: issued.machine };
      } catch (error) {
        fleet.audit.append(
          {
            ...base,
            type: 'approval.relay.refused',
            data: { machine: params.machine, challenge: params.challenge, actor: actor.name, reason: (error as Error).message },
          },
          fleet.clock.now(),
        );
        throw error;
      }
    }),
    route(ApprovalsDecide, async (params, context) => {
      const actor = await actorOf(context.peer.uid, fleet.accounts);
      const base = { actorUid: actor.uid, requestId: null };
      try {
        const decided = await fleet.relay.decide(actor, params);
        fleet.audit.append(
          { ...base, type: 'approval.relayed', data: { approvalId: params.approvalId, decision: params.decision, actor: actor.name } },
          fleet.clock.now(),
        );
        return decided;
      } catch (error) {
        fleet.log.warn({ uid: actor.uid, approvalId: params.approvalId, err: (error as Error).message }, 'the fleet refused a relayed decision');
        fleet.audit.append(
          {
            ...base,
            type: 'approval.relay.refused',
            data: { approvalId: params.approvalId, decision: params.decision, actor: actor.name, reason: (error as Error).message },
          },
          fleet.clock.now(),
        );
        throw error;
      }
    }),
  ];
}
