import { AgentError, AgentErrorCodes, PolicyExplain } from '../../../../shared/protocol/src/common/index.ts';
import { allowsOfflineApproval } from '../approvals/offlineApproval.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { applyOffline, evaluationRequestFor, summarize } from '../elevation/evaluationInput.ts';
import type { ProgramFiles } from '../elevation/programFiles.ts';
import { route, type RegisteredHandler } from '../ipc/agentConnection.ts';
import type { PackageSigner } from '../elevation/packageSigner.ts';
import { agenticFactsOf, type AgentDetector } from '../identity/agenticFacts.ts';
import { explain } from '../policy/explain.ts';
import type { PolicyService } from '../policy/policyService.ts';
import type { Clock } from '../time/clock.ts';
import { TokenBuckets } from './tokenBucket.ts';

export interface PolicyHandlerDependencies {
  readonly policies: PolicyService;
  readonly clock: Clock;
  readonly isOnline: () => boolean;
  readonly defaultOutcome: 'allow' | 'deny';
  readonly programs: ProgramFiles;
  readonly audit: AuditLog;
  /** AI-agent detection with the configured signatures; the shipped list when absent. */
  readonly agents?: AgentDetector;
  /** Who installed a program (dpkg, rpm), asked only while some collection has a Signer member; none off Linux. */
  readonly signers?: Pick<PackageSigner, 'signerOf'> | null;
  /** `policy.explain` calls one uid may make at once (`limits.policyChecksBurst`). */
  readonly explainBurst: number;
  /** Whether this machine can take signed offline approvals (a key shared with its fleet), so the preview matches a request. */
  readonly offlineApproval?: boolean;
}

/** Per caller uid (not per connection, which a caller can open many of): after the burst, one explanation a second. */
export const EXPLAIN_REFILL_MS = 1_000;

/**
 * `policy.explain` answers for the caller's own identity only (the uid comes from the kernel), and
 * opens the program with the caller's own rights (ProgramFiles), so it reveals nothing the caller
 * could not read or learn by asking for real. It creates no request; each explanation is audited,
 * and a caller is rate-limited (token bucket above).
 */
export function policyHandlers(deps: PolicyHandlerDependencies): RegisteredHandler[] {
  const budget = new TokenBuckets(deps.explainBurst, EXPLAIN_REFILL_MS);
  return [
    route(PolicyExplain, async (params, context) => {
      const { uid } = context.peer;
      if (uid === null) throw new AgentError(AgentErrorCodes.Unauthorized, 'the agent cannot tell who is asking (no peer credentials), so it cannot decide');
      const at = deps.clock.now();
      const token = budget.take(uid, performance.now());
      if (!token.ok) {
        const message = `too many policy checks; try again in ${token.seconds} s`;
        const reasonDetail = { code: 'explain-rate-limited' as const, values: { seconds: token.seconds } };
        if (token.first) throw deps.programs.refuse(uid, 'policy.explain', params.executable, AgentErrorCodes.RateLimited, message, reasonDetail);
        throw new AgentError(AgentErrorCodes.RateLimited, message, { reasonDetail });
      }
      const program = await deps.programs.open(params.executable, context.peer, 'policy.explain');
      try {
        const agentic = deps.agents ? deps.agents.factsOf(context.peer.pid, params.agentic) : agenticFactsOf(context.peer.pid, params.agentic);
        const signers = deps.policies.policies.collections.hasSigners ? (deps.signers ?? null) : null;
        const request = await evaluationRequestFor(params, context.peer, at, program, agentic, signers);
        const { decision, policies } = explain(deps.policies.policies, request, { defaultOutcome: deps.defaultOutcome });
        const deciding = deps.policies.policies.policiesOf(request.policyType).filter((c) => decision.deciding.includes(c.policy.PolicyId));
        const offlineApproval = deps.offlineApproval === true && allowsOfflineApproval(deciding.map((c) => c.policy));
        const summary = applyOffline(summarize(decision), deps.isOnline(), offlineApproval ? ['APPROVAL'] : []);
        deps.audit.append(
          {
            type: 'policy.explained',
            actorUid: uid,
            requestId: null,
            data: { executable: program.path, sha256: program.sha256, outcome: summary.outcome, deciding: summary.deciding },
          },
          at,
        );
        return {
          decision: summary,
          policies,
          application: { path: request.application.path, sha256: request.application.sha256, commandLine: request.application.commandLine },
          agentic: agentic
            ? { parentProcess: agentic.parentProcess, aiLikelihoodPercent: agentic.aiLikelihoodPercent, signals: [...(agentic.signals ?? [])] }
            : null,
          evaluatedAt: at.toISOString(),
        };
      } finally {
        deps.programs.close(program);
      }
    }),
  ];
}
