import { Subject } from 'rxjs';
import {
  AgentError,
  AgentErrorCodes,
  AgentPermissionsRequest,
  AgentSetLogLevel,
  ElevationCreated,
  ElevationHistory,
  ElevationUpdated,
  GrantsList,
  GrantsRevoke,
  JsonRpcErrorCodes,
  MfaStatus,
  PolicyExplain,
  type ElevationHistoryEntry,
} from '../../../../../shared/protocol/src/common/index.ts';
import type { AgentDetailsProblem, AgentDetailsService } from '../../../../../shared/bridge/src/common/services/agentDetails.ts';
import type { ServiceImplementation } from '../../../../../shared/bridge/src/common/serviceDescriptor.ts';
import type { AgentLink } from '../agent/agentLink.ts';
import { coalesced } from './coalesced.ts';

const RECENT_REQUESTS = 20;

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
  const history = new Subject<ElevationHistoryEntry[]>();
  // Only while a window follows the history: the agent says when a request of this user is made or changes.
  const reload = coalesced(async () => {
    if (!history.observed) return;
    // A failed load keeps what the window shows; the next change or a reconnect loads again.
    const latest = await link.request(ElevationHistory, { limit: RECENT_REQUESTS }).catch(() => null);
    if (latest) history.next(latest.requests);
  });
  link.addFeature({
    attach: (client) => [client.onNotification(ElevationCreated, () => void reload()), client.onNotification(ElevationUpdated, () => void reload())],
    detached: () => {},
  });
  return {
    load: () =>
      attempt(async () => {
        const [permissions, mfa, grants, history] = await Promise.all([
          link.request(AgentPermissionsRequest, undefined),
          link.request(MfaStatus, undefined),
          link.request(GrantsList, undefined),
          link.request(ElevationHistory, { limit: RECENT_REQUESTS }),
        ]);
        return { permissions, mfa, grants: grants.grants, history: history.requests };
      }),
    history$: () => history.asObservable(),
    explain: (input) => attempt(() => link.request(PolicyExplain, { ...input, cwd: '/' })),
    setLogLevel: (level) => attempt(() => link.request(AgentSetLogLevel, { level })),
    revokeGrant: (grantId) => attempt(() => link.request(GrantsRevoke, { grantId })),
  };
}
