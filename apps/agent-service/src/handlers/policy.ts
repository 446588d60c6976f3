import { PolicyExplain } from '../../../../shared/protocol/src/common/index.ts';
import { applyOffline, evaluationRequestFor, summarize } from '../elevation/evaluationInput.ts';
import { route, type RegisteredHandler } from '../ipc/agentConnection.ts';
import { explain } from '../policy/explain.ts';
import type { PolicyService } from '../policy/policyService.ts';
import type { Clock } from '../status/statusService.ts';

export interface PolicyHandlerDependencies {
  readonly policies: PolicyService;
  readonly clock: Clock;
  readonly isOnline: () => boolean;
  readonly defaultOutcome: 'allow' | 'deny';
}

/**
 * `policy.explain` answers for the caller's own identity only (the uid comes from the kernel), so
 * it reveals no more than the caller would learn by asking for real; it creates no request and
 * writes no audit event.
 */
export function policyHandlers(deps: PolicyHandlerDependencies): RegisteredHandler[] {
  return [
    route(PolicyExplain, async (params, context) => {
      const at = deps.clock.now();
      const request = await evaluationRequestFor(params, context.peer, at);
      const { decision, policies } = explain(deps.policies.policies, request, { defaultOutcome: deps.defaultOutcome });
      return {
        decision: applyOffline(summarize(decision), deps.isOnline()),
        policies,
        application: { path: request.application.path, sha256: request.application.sha256, commandLine: request.application.commandLine },
        evaluatedAt: at.toISOString(),
      };
    }),
  ];
}
