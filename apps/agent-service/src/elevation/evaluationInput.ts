import { hostname } from 'node:os';
import { AgentError, AgentErrorCodes, type DecisionSummary, type ElevationRequestParams, type PeerIdentity } from '../../../../shared/protocol/src/common/index.ts';
import { lookupAccountAsync } from '../identity/accounts.ts';
import { NETWORK_CONTROLS, type Decision } from '../policy/evaluate.ts';
import type { EvaluationRequest } from '../policy/request.ts';
import { formatCommandLine } from './commandLine.ts';
import { sha256OfFile } from './fileHash.ts';

/**
 * What the engine matches a caller's request against, gathered by the agent itself: the account
 * from the kernel's uid, the file's hash read here, the machine's name. Shared by `elevation.request`
 * and `policy.explain`, so a preview is computed from exactly what a request would be.
 */
export async function evaluationRequestFor(params: ElevationRequestParams, peer: PeerIdentity, at: Date): Promise<EvaluationRequest> {
  if (peer.uid === null) {
    throw new AgentError(AgentErrorCodes.Unauthorized, 'the agent cannot tell who is asking (no peer credentials), so it cannot decide');
  }
  const account = await lookupAccountAsync(peer.uid);
  const sha256 = await sha256OfFile(params.executable);
  if (sha256 === null) throw new AgentError(AgentErrorCodes.NotFound, `${params.executable} is not a readable file`);
  return {
    policyType: params.policyType,
    user: { uid: peer.uid, name: account.name ?? peer.userName, groups: account.groups, home: account.home },
    machine: { name: hostname() },
    application: { path: params.executable, sha256, signer: null, commandLine: formatCommandLine(params.executable, params.arguments) },
    agentic: params.agentic ?? null,
    at,
  };
}

/** The protocol's view of a decision. */
export function summarize(decision: Decision): DecisionSummary {
  return {
    outcome: decision.outcome,
    reason: decision.reason,
    reasonDetail: decision.reasonDetail,
    controls: [...decision.controls],
    justificationWithApproval: decision.justificationWithApproval,
    matched: decision.matched.map((m) => ({ ...m, controls: [...m.controls] })),
    deciding: [...decision.deciding],
    monitored: decision.monitored.map((m) => ({ ...m, controls: [...m.controls] })),
  };
}

/** Offline, controls that need the backend cannot pass, so the request is refused up front. */
export function applyOffline(summary: DecisionSummary, online: boolean): DecisionSummary {
  if (online || summary.outcome !== 'controls') return summary;
  const blocking = summary.controls.filter((c) => NETWORK_CONTROLS.has(c));
  if (blocking.length === 0) return summary;
  return {
    ...summary,
    outcome: 'deny',
    controls: [],
    reason: `The agent is offline, and ${blocking.join(', ')} needs a network connection.`,
    reasonDetail: { code: 'offline-needs-network', values: { controls: blocking } },
  };
}
