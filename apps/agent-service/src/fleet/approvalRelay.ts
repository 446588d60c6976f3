import type * as z from 'zod';
import {
  AgentError,
  AgentErrorCodes,
  JsonRpcErrorCodes,
  type ApprovalsDecideParams,
  type ApprovalsListParams,
  type ReasonDetail,
} from '../../../../shared/protocol/src/common/index.ts';
import type { Control } from '../policy/policySchema.ts';
import { FleetApproval, OfflineResponseResult, RelayListResponse, type FleetActor } from '../../../../shared/protocol/src/common/fleet.ts';
import { FleetCallError, FleetUnreachableError, type FleetHttp } from './fleetHttp.ts';

/**
 * The fleet's refusal as the agent protocol's error, so the approver window words it as a local one.
 * Filing an APPROVAL request offline carries the reason the windows already word (offline-needs-network).
 */
export function toAgentError(error: unknown, offlineControls?: readonly Control[]): unknown {
  if (error instanceof FleetUnreachableError) {
    const reasonDetail: ReasonDetail | undefined = offlineControls ? { code: 'offline-needs-network', values: { controls: [...offlineControls] } } : undefined;
    return new AgentError(AgentErrorCodes.Offline, 'the fleet server is unreachable', reasonDetail ? { reasonDetail } : undefined);
  }
  if (!(error instanceof FleetCallError)) return error;
  switch (error.code) {
    case 'not-approver':
    case 'own-request':
    case 'machine-revoked':
    case 'certificate-required':
      return new AgentError(AgentErrorCodes.Unauthorized, error.message);
    case 'approval-decided':
      return new AgentError(AgentErrorCodes.Conflict, error.message, error.body?.approval);
    case 'approval-expired':
      return new AgentError(AgentErrorCodes.Expired, error.message, error.body?.approval);
    case 'not-found':
      return new AgentError(AgentErrorCodes.NotFound, error.message);
    case 'bad-request':
      return new AgentError(JsonRpcErrorCodes.InvalidParams, error.message);
    case 'rate-limited':
      return new AgentError(AgentErrorCodes.RateLimited, error.message);
    default:
      return new AgentError(AgentErrorCodes.Unauthorized, error.message);
  }
}

/**
 * approvals.list / approvals.decide for an approver at this machine, relayed to the fleet for the
 * OS-verified user (`actor` comes from the peer credentials of the window's connection, never from it).
 */
export class ApprovalRelay {
  private readonly http: () => FleetHttp;

  constructor({ http }: { http: () => FleetHttp }) {
    this.http = http;
  }

  async list(actor: FleetActor, params: z.infer<typeof ApprovalsListParams>): Promise<z.infer<typeof RelayListResponse>> {
    try {
      // The verified actor last: nothing in the params can replace it.
      return await this.http().call('POST', '/v1/approvals/list', RelayListResponse, { ...(params ?? {}), actor });
    } catch (error) {
      throw toAgentError(error);
    }
  }

  /** The response to an offline machine's challenge, made by the fleet for this approver (docs/fleet.md). */
  async offlineResponse(actor: FleetActor, params: { machine: string; challenge: string }): Promise<OfflineResponseResult> {
    try {
      return await this.http().call('POST', '/v1/approvals/offline', OfflineResponseResult, { machine: params.machine, challenge: params.challenge, actor });
    } catch (error) {
      throw toAgentError(error);
    }
  }

  async decide(actor: FleetActor, params: z.infer<typeof ApprovalsDecideParams>): Promise<FleetApproval> {
    try {
      return await this.http().call('POST', '/v1/approvals/decide', FleetApproval, { ...params, actor });
    } catch (error) {
      throw toAgentError(error);
    }
  }
}
