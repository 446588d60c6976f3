import type { PolicyCheckOutcome, PolicyExplanation } from '../../../../shared/protocol/src/common/methods/policy.ts';
import {
  aiLikelihoodPasses,
  allowArgumentsPass,
  commandsPass,
  datePasses,
  dayPasses,
  denyArgumentsPass,
  inScope,
  isWildcard,
  subProcessPasses,
  timePasses,
  type CompiledPolicy,
  type RequestFacts,
} from './checks.ts';
import { typesDeciding, type Decision, type EvaluationOptions, type PolicySet } from './evaluate.ts';
import { combineLayers, decideLayer, layersOf } from './policyLayers.ts';
import type { EvaluationRequest } from './request.ts';

export interface Explanation {
  readonly decision: Decision;
  readonly policies: PolicyExplanation[];
}

const pad = (n: number) => String(n).padStart(2, '0');
const clock = (minutes: number) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;

/**
 * The decision `evaluate` would make and, for every policy of the request's type, each check it sets
 * with its verdict. The verdicts come from the same check functions the engine matches with, and the
 * decision from the same `decide()`, so the "why" view cannot drift from what a request gets.
 */
export function explain(set: PolicySet, request: EvaluationRequest, options: EvaluationOptions): Explanation {
  // Every type the request is decided under (policyLayers.ts), each seen as its layer sees the request.
  const layers = layersOf(request).map((layer) => {
    const facts = set.factsOf(layer.request);
    const explained = typesDeciding(layer.type)
      .flatMap((type) => set.policiesOf(type))
      .map((c) => ({ compiled: c, checks: checksOf(set, c, facts) }));
    const matching = explained.filter((e) => e.checks.every((check) => check.passed)).map((e) => e.compiled);
    return { layer, explained, decision: decideLayer(layer, matching, options) };
  });
  const policies = layers
    .flatMap(({ explained }) => explained)
    .map(({ compiled, checks }) => ({
      policyId: compiled.policy.PolicyId,
      policyName: compiled.policy.PolicyName,
      policyType: compiled.policy.PolicyType,
      status: compiled.policy.Status,
      matched: checks.every((check) => check.passed),
      specificity: compiled.specificity,
      controls: [...compiled.policy.Actions.OnSuccess.Controls],
      checks,
    }))
    .sort((a, b) => Number(b.matched) - Number(a.matched));
  return { decision: combineLayers(layers), policies };
}

function checksOf(set: PolicySet, c: CompiledPolicy, f: RequestFacts): PolicyCheckOutcome[] {
  const p = c.policy;
  const { request } = f;
  const out: PolicyCheckOutcome[] = [];
  const names = (ids: readonly string[]) => ids.map((id) => set.collections.nameOf(id));
  if (!isWildcard(p.UserCheck))
    out.push({ check: 'UserCheck', passed: inScope(p.UserCheck, f.users), required: names(p.UserCheck), actual: request.user.name });
  if (!isWildcard(p.ApplicationCheck)) {
    out.push({
      check: 'ApplicationCheck',
      passed: inScope(p.ApplicationCheck, f.applications),
      required: names(p.ApplicationCheck),
      actual: request.application.path,
    });
  }
  if (!isWildcard(p.MachineCheck)) {
    out.push({ check: 'MachineCheck', passed: inScope(p.MachineCheck, f.machines), required: names(p.MachineCheck), actual: request.machine.name });
  }
  if (p.DateCheck?.length) {
    out.push({ check: 'DateCheck', passed: datePasses(c, f), required: p.DateCheck.map((r) => `${r.StartDate}/${r.EndDate}`), actual: f.date });
  }
  if (c.timeWindows.length > 0) {
    out.push({
      check: 'TimeCheck',
      passed: timePasses(c, f),
      required: c.timeWindows.map((w) => `${clock(w.start)}-${clock(w.end)}`),
      actual: clock(f.minute),
    });
  }
  if (p.DayCheck?.length) out.push({ check: 'DayCheck', passed: dayPasses(c, f), required: p.DayCheck.map(String), actual: String(f.day) });
  if (c.allowCommands.length > 0) {
    out.push({
      check: 'AllowCommands',
      passed: commandsPass(c, f),
      required: [...(p.Extension?.AllowCommands ?? [])],
      actual: request.application.commandLine,
    });
  }
  const args = request.application.arguments ? JSON.stringify(request.application.arguments) : null;
  if (c.allowArguments.length > 0) {
    out.push({
      check: 'AllowArguments',
      passed: allowArgumentsPass(c, f),
      required: (p.Extension?.AllowArguments ?? []).map((rule) => JSON.stringify(rule)),
      actual: args,
    });
  }
  if (c.deniedArguments.length > 0) {
    out.push({ check: 'DenyArguments', passed: denyArgumentsPass(c, f), required: [...(p.Extension?.DenyArguments ?? [])], actual: args });
  }
  if (c.subProcesses.length > 0) {
    out.push({
      check: 'SubProcessCheck',
      passed: subProcessPasses(c, f),
      required: [...(p.Extension?.SubProcessCheck ?? [])],
      actual: request.agentic?.parentProcess ?? null,
    });
  }
  const threshold = p.Extension?.minAiLikelihoodPercent;
  if (threshold !== undefined) {
    const actual = request.agentic ? String(request.agentic.aiLikelihoodPercent) : null;
    out.push({ check: 'minAiLikelihoodPercent', passed: aiLikelihoodPasses(c, f), required: [String(threshold)], actual });
  }
  return out;
}
