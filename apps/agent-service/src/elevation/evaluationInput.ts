import { hostname } from 'node:os';
import {
  AgentError,
  AgentErrorCodes,
  type DecisionSummary,
  type ElevationRequestParams,
  type PeerIdentity,
} from '../../../../shared/protocol/src/common/index.ts';
import { lookupAccountAsync } from '../identity/accounts.ts';
import { agenticFactsOf, type AgenticFacts } from '../identity/agenticFacts.ts';
import { NETWORK_CONTROLS, type Decision } from '../policy/evaluate.ts';
import type { EvaluationRequest } from '../policy/request.ts';
import { formatCommandLine } from './commandLine.ts';
import type { PackageSigner } from './packageSigner.ts';
import type { OpenedProgram } from './programFiles.ts';

/**
 * What the engine matches a caller's request against, gathered by the agent itself: the account
 * from the kernel's uid, the program as the agent opened it with the caller's rights (canonical
 * path and the hash of that very descriptor, see ProgramFiles), the machine's name. Shared by
 * `elevation.request` and `policy.explain`, so a preview is computed from exactly what a request would be.
 */
export async function evaluationRequestFor(
  params: ElevationRequestParams,
  peer: PeerIdentity,
  at: Date,
  program: Pick<OpenedProgram, 'path' | 'sha256' | 'fd'>,
  // From the kernel (the caller's process ancestry); the request's own claim can only raise the likelihood.
  agentic: AgenticFacts | null = agenticFactsOf(peer.pid, params.agentic),
  // Given only when a policy names a Signer: the first look-up reads dpkg's whole database, rpm's only in part.
  signers: Pick<PackageSigner, 'signerOf'> | null = null,
): Promise<EvaluationRequest> {
  if (peer.uid === null) {
    throw new AgentError(AgentErrorCodes.Unauthorized, 'the agent cannot tell who is asking (no peer credentials), so it cannot decide');
  }
  const account = await lookupAccountAsync(peer.uid);
  return {
    policyType: params.policyType,
    user: { uid: peer.uid, name: account.name ?? peer.userName, groups: account.groups, home: account.home },
    machine: { name: hostname() },
    application: {
      path: program.path,
      sha256: program.sha256,
      signer: signers ? await signers.signerOf(program) : null,
      commandLine: formatCommandLine(program.path, params.arguments),
      arguments: params.arguments,
    },
    agentic,
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

/**
 * Offline, controls that need the backend cannot pass, so the request is refused up front; those in
 * `passOffline` have an offline way (APPROVAL by a signed response, approvals/offlineApproval.ts).
 */
export function applyOffline(summary: DecisionSummary, online: boolean, passOffline: readonly DecisionSummary['controls'][number][] = []): DecisionSummary {
  if (online || summary.outcome !== 'controls') return summary;
  const blocking = summary.controls.filter((c) => NETWORK_CONTROLS.has(c) && !passOffline.includes(c));
  if (blocking.length === 0) return summary;
  return {
    ...summary,
    outcome: 'deny',
    controls: [],
    reason: `The agent is offline, and ${blocking.join(', ')} needs a network connection.`,
    reasonDetail: { code: 'offline-needs-network', values: { controls: blocking } },
  };
}
