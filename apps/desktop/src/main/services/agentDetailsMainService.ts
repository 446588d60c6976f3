import {
  AgentError,
  AgentErrorCodes,
  AgentPermissionsRequest,
  AgentSetLogLevel,
  ElevationHistory,
  GrantsList,
  GrantsRevoke,
  JsonRpcErrorCodes,
  MfaStatus,
  PolicyExplain,
} from '../../../../../shared/protocol/src/common/index.ts';
import type { AgentDetailsProblem, AgentDetailsService } from '../../../../../shared/bridge/src/common/services/agentDetails.ts';
import type { ServiceImplementation } from '../../../../../shared/bridge/src/common/serviceDescriptor.ts';
import type { AgentLink } from '../agent/agentLink.ts';

/** What the window can tell the user about a refused call. */
export function detailsProblem(error: unknown): AgentDetailsProblem {
  if (!(error instanceof AgentError)) return 'unavailable';
  switch (error.code) {
    case AgentErrorCodes.NotFound:
      return 'not-found';
    case AgentErrorCodes.Unauthorized:
      return 'not-allowed';
    case AgentErrorCodes.Conflict:
      return 'already-ended';
    case JsonRpcErrorCodes.InvalidParams:
      return 'invalid';
    default:
      return 'unavailable';
  }
}

async function attempt<T>(work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; problem: AgentDetailsProblem }> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, problem: detailsProblem(error) };
  }
}

/**
 * The KeeperAgent window's details, forwarded to the agent as the user of this desktop session.
 * Main decides nothing: the agent checks who may see and change what.
 */
export function agentDetailsMainService(link: AgentLink): ServiceImplementation<typeof AgentDetailsService> {
  return {
    load: () =>
      attempt(async () => {
        const [permissions, mfa, grants, history] = await Promise.all([
          link.request(AgentPermissionsRequest, undefined),
          link.request(MfaStatus, undefined),
          link.request(GrantsList, undefined),
          link.request(ElevationHistory, { limit: 20 }),
        ]);
        return { permissions, mfa, grants: grants.grants, history: history.requests };
      }),
    explain: (input) => attempt(() => link.request(PolicyExplain, { ...input, cwd: '/' })),
    setLogLevel: (level) => attempt(() => link.request(AgentSetLogLevel, { level })),
    revokeGrant: (grantId) => attempt(() => link.request(GrantsRevoke, { grantId })),
  };
}
