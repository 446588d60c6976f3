import { decide, PROMPT_PRECEDENCE, type Decision, type EvaluationOptions, type PolicySet } from './evaluate.ts';
import type { CompiledPolicy } from './checks.ts';
import type { PolicyType } from './policySchema.ts';
import type { EvaluationRequest } from './request.ts';

/**
 * The policy types a request is decided under, in precedence order (docs/policy-semantics.md, 5.4).
 * A request the agent found to come from an AI agent is also decided by the agentic types: first
 * Agentic AI Access (may this AI agent act for this user at all; its application is the agent's own
 * program), then Agentic Privilege Elevation for an elevation, then the request's own type.
 */
export interface PolicyLayer {
  readonly type: PolicyType;
  /** The request as this layer's policies see it. */
  readonly request: EvaluationRequest;
  /** The request's own type: its default outcome applies. An agentic layer nothing decides in adds nothing. */
  readonly base: boolean;
}

export function layersOf(request: EvaluationRequest): PolicyLayer[] {
  const base: PolicyLayer = { type: request.policyType, request, base: true };
  if (request.agentic === null) return [base];
  const agent = request.agentic.parentProcess;
  const layers: PolicyLayer[] = [
    {
      type: 'AgenticAiAccess',
      request: { ...request, policyType: 'AgenticAiAccess', application: { path: agent, sha256: null, signer: null, commandLine: agent } },
      base: false,
    },
  ];
  if (request.policyType === 'PrivilegeElevation')
    layers.push({ type: 'AgenticPrivilegeElevation', request: { ...request, policyType: 'AgenticPrivilegeElevation' }, base: false });
  return [...layers, base];
}

export interface LayeredDecision {
  readonly decision: Decision;
  /** Every policy that matched, across the layers. */
  readonly matching: readonly CompiledPolicy[];
  /** An agentic layer asks for something: an elevated session of the user must not stand in for it. */
  readonly agenticGate: boolean;
}

/** Decides each layer with the rules of `decide()`, then combines them (`combineLayers`). */
export function decideLayered(set: PolicySet, request: EvaluationRequest, options: EvaluationOptions): LayeredDecision {
  const layers = layersOf(request).map((layer) => ({ layer, matching: set.matching(layer.request) }));
  const decisions = layers.map(({ layer, matching }) => ({ layer, decision: decideLayer(layer, matching, options) }));
  return {
    decision: combineLayers(decisions),
    matching: layers.flatMap((l) => l.matching),
    agenticGate: decisions.some(({ layer, decision }) => !layer.base && decision.controls.length > 0),
  };
}

/** One layer's decision: the request's own type with the configured default, an agentic one with "adds nothing". */
export function decideLayer(layer: PolicyLayer, matching: readonly CompiledPolicy[], options: EvaluationOptions): Decision {
  return decide(matching, layer.base ? options : { defaultOutcome: 'allow' });
}

/**
 * All layers apply and the most restrictive outcome wins: a DENY of any layer denies (the first
 * denying layer gives the reason), and otherwise the prompts of every layer stack in precedence
 * order, so an AI agent never gets more than its user would by hand.
 */
export function combineLayers(decisions: readonly { readonly layer: PolicyLayer; readonly decision: Decision }[]): Decision {
  if (decisions.length === 1) return decisions[0]!.decision;
  const all = decisions.map((d) => d.decision);
  const flags = {
    matched: all.flatMap((d) => d.matched),
    monitored: all.flatMap((d) => d.monitored),
    audit: all.some((d) => d.audit),
    record: all.some((d) => d.record),
  };
  const denied = all.find((d) => d.outcome === 'deny');
  if (denied) {
    return { ...denied, ...flags, deciding: all.filter((d) => d.outcome === 'deny').flatMap((d) => d.deciding) };
  }
  // No agentic layer decided anything: the request's own decision stands (its reason included).
  const base = decisions.find((d) => d.layer.base)!.decision;
  if (decisions.every((d) => d.layer.base || d.decision.deciding.length === 0)) return { ...base, ...flags };
  const requested = new Set(all.flatMap((d) => d.controls));
  const withApproval = requested.has('APPROVAL');
  const controls = PROMPT_PRECEDENCE.filter((control) => requested.has(control) && !(withApproval && control === 'JUSTIFY'));
  return {
    ...flags,
    outcome: controls.length === 0 ? 'allow' : 'controls',
    reason: controls.length === 0 ? 'Allowed by policy.' : `Needs ${controls.join(', ')}.`,
    reasonDetail: controls.length === 0 ? { code: 'policy-allow', values: {} } : { code: 'policy-controls', values: { controls: [...controls] } },
    controls,
    justificationWithApproval: withApproval,
    notification: all.find((d) => d.notification !== null)?.notification ?? null,
    deciding: all.flatMap((d) => d.deciding),
  };
}
