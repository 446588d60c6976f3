import { argumentsPass, type ArgumentMatcher, type ArgumentRule } from './argumentRules.ts';
import type { Variables, VariablePattern } from './patterns.ts';
import type { KeeperPolicy } from './policySchema.ts';
import type { EvaluationRequest } from './request.ts';

/** A policy prepared at load: everything that can be worked out without a request. */
export interface CompiledPolicy {
  readonly policy: KeeperPolicy;
  /** How many of UserCheck, ApplicationCheck and MachineCheck name something other than `*`. */
  readonly specificity: number;
  readonly allowCommands: readonly VariablePattern[];
  readonly subProcesses: readonly VariablePattern[];
  readonly allowArguments: readonly ArgumentRule[];
  readonly deniedArguments: readonly ArgumentMatcher[];
  /** TimeCheck windows in minutes of the day, start inclusive, end exclusive. */
  readonly timeWindows: readonly { readonly start: number; readonly end: number }[];
  /** Position in the load: ties between equally specific policies go to the earlier one. */
  readonly order: number;
}

/** What the checks compare against, worked out once per request rather than once per policy. */
export interface RequestFacts {
  readonly request: EvaluationRequest;
  readonly users: ReadonlySet<string>;
  readonly applications: ReadonlySet<string>;
  readonly machines: ReadonlySet<string>;
  readonly variables: () => Variables;
  /** Local weekday (0 = Sunday), `YYYY-MM-DD` and minute of the day: the endpoint's clock. */
  readonly day: number;
  readonly date: string;
  readonly minute: number;
}

export const isWildcard = (check: readonly string[]): boolean => check.includes('*');

export function minutesOf(hour: string): number {
  const [h, m] = hour.split(':');
  return Number(h) * 60 + Number(m ?? 0);
}

export function localClock(at: Date): Pick<RequestFacts, 'day' | 'date' | 'minute'> {
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    day: at.getDay(),
    date: `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`,
    minute: at.getHours() * 60 + at.getMinutes(),
  };
}

export const inScope = (check: readonly string[], member: ReadonlySet<string>): boolean => isWildcard(check) || check.some((id) => member.has(id));

/** Each schedule list passes when any entry does (docs/policy-semantics.md, 4.3). */
export const dayPasses = (c: CompiledPolicy, f: RequestFacts): boolean => !c.policy.DayCheck?.length || c.policy.DayCheck.includes(f.day);

export const datePasses = (c: CompiledPolicy, f: RequestFacts): boolean =>
  !c.policy.DateCheck?.length || c.policy.DateCheck.some((r) => r.StartDate <= f.date && f.date <= r.EndDate);

/** A window whose end is before its start wraps over midnight; equal ends make it empty. */
export const timePasses = (c: CompiledPolicy, f: RequestFacts): boolean =>
  c.timeWindows.length === 0 ||
  c.timeWindows.some(({ start, end }) => (start <= end ? start <= f.minute && f.minute < end : f.minute >= start || f.minute < end));

export const commandsPass = (c: CompiledPolicy, f: RequestFacts): boolean =>
  c.allowCommands.length === 0 || c.allowCommands.some((m) => m(f.request.application.commandLine, f.variables));

/** AllowArguments / DenyArguments against the argument vector (docs/policy-semantics.md, 4.6), each on its own for the preview. */
export const allowArgumentsPass = (c: CompiledPolicy, f: RequestFacts): boolean => argumentsPass(c.allowArguments, [], f.request.application.arguments);
export const denyArgumentsPass = (c: CompiledPolicy, f: RequestFacts): boolean => argumentsPass([], c.deniedArguments, f.request.application.arguments);
export const argumentsCheckPasses = (c: CompiledPolicy, f: RequestFacts): boolean =>
  argumentsPass(c.allowArguments, c.deniedArguments, f.request.application.arguments);

export const aiLikelihoodPasses = (c: CompiledPolicy, f: RequestFacts): boolean => {
  const threshold = c.policy.Extension?.minAiLikelihoodPercent;
  return threshold === undefined || (f.request.agentic !== null && f.request.agentic.aiLikelihoodPercent >= threshold);
};

export const subProcessPasses = (c: CompiledPolicy, f: RequestFacts): boolean =>
  c.subProcesses.length === 0 || (f.request.agentic !== null && c.subProcesses.some((m) => m(f.request.agentic!.parentProcess, f.variables)));

/** Operator "And": every check holds (cheap ones first). */
export function passesAll(c: CompiledPolicy, f: RequestFacts): boolean {
  const p = c.policy;
  return (
    inScope(p.UserCheck, f.users) &&
    inScope(p.ApplicationCheck, f.applications) &&
    inScope(p.MachineCheck, f.machines) &&
    dayPasses(c, f) &&
    datePasses(c, f) &&
    timePasses(c, f) &&
    aiLikelihoodPasses(c, f) &&
    commandsPass(c, f) &&
    argumentsCheckPasses(c, f) &&
    subProcessPasses(c, f)
  );
}
