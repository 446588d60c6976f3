import { compileArgumentRule, compileDeniedArgument } from './argumentRules.ts';
import { CollectionIndex } from './collections.ts';
import { isWildcard, localClock, minutesOf, passesAll, type CompiledPolicy, type RequestFacts } from './checks.ts';
import type { FileHashCache } from './fileHashCache.ts';
import { compileVariablePattern } from './patterns.ts';
import { RECORDING_CONTROLS, type Collection, type Control, type KeeperPolicy, type PolicyStatus, type PolicyType } from './policySchema.ts';
import type { EvaluationRequest } from './request.ts';
import type { ReasonDetail } from '../../../../shared/protocol/src/common/index.ts';

export type { CompiledPolicy } from './checks.ts';

/** Controls that ask something of a person, in the order they are presented (docs/policy-semantics.md). */
export const PROMPT_PRECEDENCE = ['APPROVAL', 'OPERATORAPPROVAL', 'MFA', 'JUSTIFY', 'NOTIFY'] as const;
export type PromptControl = (typeof PROMPT_PRECEDENCE)[number];

/** Whether a policy's controls take part in the decision, i.e. it is not a recording-only policy. */
function decides(controls: readonly Control[]): boolean {
  return controls.some((c) => !RECORDING_CONTROLS.has(c));
}

/**
 * The policy types that decide a request of a type. A program run elevated is decided by its
 * Privilege Elevation and its Command Line policies together, in one `decide()` (docs/policy-semantics.md,
 * 5.3): a DENY of either type wins, and otherwise the most specific tier of both decides. Either type
 * asked for brings in the other, so the type a client names can never leave a DENY out.
 */
const DECIDED_TOGETHER: Partial<Record<PolicyType, readonly PolicyType[]>> = {
  PrivilegeElevation: ['PrivilegeElevation', 'CommandLine'],
  CommandLine: ['PrivilegeElevation', 'CommandLine'],
};

export const typesDeciding = (type: PolicyType): readonly PolicyType[] => DECIDED_TOGETHER[type] ?? [type];

/** Controls that need the backend; offline they block. */
export const NETWORK_CONTROLS: ReadonlySet<PromptControl> = new Set(['APPROVAL', 'OPERATORAPPROVAL', 'MFA']);

export interface PolicyMatch {
  readonly policyId: string;
  readonly policyName: string;
  readonly status: PolicyStatus;
  /** How many of UserCheck, ApplicationCheck and MachineCheck name something other than `*`. */
  readonly specificity: number;
  readonly controls: readonly Control[];
}

export type Outcome = 'allow' | 'deny' | 'controls';

export interface MonitorFinding extends PolicyMatch {
  readonly wouldBe: Outcome;
}

export interface Decision {
  readonly outcome: Outcome;
  readonly reason: string;
  /** `reason` as a code plus values, for windows to word in the user's language. */
  readonly reasonDetail: ReasonDetail;
  /** Prompts to pass, in presentation order; empty unless outcome is 'controls'. */
  readonly controls: readonly PromptControl[];
  /** JUSTIFY was merged into APPROVAL: the approval request carries the justification. */
  readonly justificationWithApproval: boolean;
  readonly audit: boolean;
  readonly record: boolean;
  readonly notification: { readonly message: string; readonly requiresAcknowledge: boolean } | null;
  /** Every enforced policy that matched, most specific first. */
  readonly matched: readonly PolicyMatch[];
  /** The policies whose controls decided (the most specific tier, or the denying ones). */
  readonly deciding: readonly string[];
  /** Monitor-mode policies that matched and what they would have done. */
  readonly monitored: readonly MonitorFinding[];
}

export interface EvaluationOptions {
  /** What happens when no enforced policy matches. */
  readonly defaultOutcome: 'allow' | 'deny';
}

interface TypeIndex {
  /** Every policy of the type that is not off, in load order. */
  readonly all: CompiledPolicy[];
  readonly global: CompiledPolicy[];
  readonly byApp: Map<string, CompiledPolicy[]>;
  readonly byUser: Map<string, CompiledPolicy[]>;
  readonly byMachine: Map<string, CompiledPolicy[]>;
}

/**
 * The policies of one load, compiled and indexed. Each policy is filed under the first check that is
 * not a wildcard (application, then user, then machine), so a request only looks at policies whose
 * most selective check it can satisfy, plus the all-wildcard ones.
 */
export class PolicySet {
  readonly size: number;
  readonly collections: CollectionIndex;
  private readonly caseInsensitive: boolean;
  private readonly byType = new Map<PolicyType, TypeIndex>();

  /**
   * With `hashes`, the application collections that DENY policies name also match copies of their
   * files by SHA-256 (docs/policy-semantics.md, 3.1); the agent always passes it.
   */
  constructor(policies: readonly KeeperPolicy[], collections: readonly Collection[], platform: NodeJS.Platform, options: { hashes?: FileHashCache } = {}) {
    const denied = new Set(
      policies.filter((p) => p.Status !== 'off' && p.Actions.OnSuccess.Controls.includes('DENY')).flatMap((p) => p.ApplicationCheck.filter((id) => id !== '*')),
    );
    this.collections = new CollectionIndex(collections, platform, options.hashes ? { collectionIds: denied, cache: options.hashes } : undefined);
    this.caseInsensitive = platform === 'win32';
    let size = 0;
    for (const policy of policies) {
      if (policy.Status === 'off') continue;
      size++;
      const compiled: CompiledPolicy = {
        policy,
        specificity: [policy.UserCheck, policy.ApplicationCheck, policy.MachineCheck].filter((c) => !isWildcard(c)).length,
        allowCommands: (policy.Extension?.AllowCommands ?? []).map((p) => compileVariablePattern(p, this.caseInsensitive)),
        subProcesses: (policy.Extension?.SubProcessCheck ?? []).map((p) => compileVariablePattern(p, this.caseInsensitive)),
        allowArguments: (policy.Extension?.AllowArguments ?? []).map((rule) => compileArgumentRule(rule, this.caseInsensitive)),
        deniedArguments: (policy.Extension?.DenyArguments ?? []).map((p) => compileDeniedArgument(p, this.caseInsensitive)),
        timeWindows: (policy.TimeCheck ?? []).map((r) => ({ start: minutesOf(r.StartTime), end: minutesOf(r.EndTime) })),
        order: size,
      };
      let bucket = this.byType.get(policy.PolicyType);
      if (!bucket) {
        bucket = { all: [], global: [], byApp: new Map(), byUser: new Map(), byMachine: new Map() };
        this.byType.set(policy.PolicyType, bucket);
      }
      bucket.all.push(compiled);
      const file = (map: Map<string, CompiledPolicy[]>, ids: readonly string[]) => {
        for (const id of ids) {
          const list = map.get(id);
          if (list) list.push(compiled);
          else map.set(id, [compiled]);
        }
      };
      if (!isWildcard(policy.ApplicationCheck)) file(bucket.byApp, policy.ApplicationCheck);
      else if (!isWildcard(policy.UserCheck)) file(bucket.byUser, policy.UserCheck);
      else if (!isWildcard(policy.MachineCheck)) file(bucket.byMachine, policy.MachineCheck);
      else bucket.global.push(compiled);
    }
    this.size = size;
  }

  /** Collection ids that policies name but no collection defines (they can never match). */
  unknownCollections(policies: readonly KeeperPolicy[]): string[] {
    const missing = new Set<string>();
    for (const p of policies) {
      for (const id of [...p.UserCheck, ...p.ApplicationCheck, ...p.MachineCheck]) {
        if (id !== '*' && !this.collections.ids.has(id)) missing.add(id);
      }
    }
    return [...missing];
  }

  /** The request's collections, variables and local clock: what every check compares against. */
  factsOf(request: EvaluationRequest): RequestFacts {
    const variables = this.collections.variablesOf(request);
    return {
      request,
      users: this.collections.userCollections(request.user),
      applications: this.collections.applicationCollections(request, variables),
      machines: this.collections.machineCollections(request, variables),
      variables,
      ...localClock(request.at),
    };
  }

  /** Every policy of a type that is not off, in load order. */
  policiesOf(type: PolicyType): readonly CompiledPolicy[] {
    return this.byType.get(type)?.all ?? [];
  }

  /** Every policy (enforced or monitored) of the types that decide the request (typesDeciding) that matches it. */
  matching(request: EvaluationRequest, facts: RequestFacts = this.factsOf(request)): CompiledPolicy[] {
    return typesDeciding(request.policyType).flatMap((type) => this.matchingOfType(type, facts));
  }

  private matchingOfType(type: PolicyType, facts: RequestFacts): CompiledPolicy[] {
    const bucket = this.byType.get(type);
    if (!bucket) return [];
    const candidates = new Set<CompiledPolicy>(bucket.global);
    const gather = (map: Map<string, CompiledPolicy[]>, ids: ReadonlySet<string>) => {
      for (const id of ids) {
        const filed = map.get(id);
        if (filed) for (const p of filed) candidates.add(p);
      }
    };
    gather(bucket.byApp, facts.applications);
    gather(bucket.byUser, facts.users);
    gather(bucket.byMachine, facts.machines);
    const out: CompiledPolicy[] = [];
    for (const c of candidates) if (passesAll(c, facts)) out.push(c);
    return out;
  }

  evaluate(request: EvaluationRequest, options: EvaluationOptions): Decision {
    return decide(this.matching(request), options);
  }
}

/** Turns the matching policies into one decision: the rules of docs/policy-semantics.md, in order. */
export function decide(matching: readonly CompiledPolicy[], options: EvaluationOptions): Decision {
  const toMatch = (c: CompiledPolicy): PolicyMatch => ({
    policyId: c.policy.PolicyId,
    policyName: c.policy.PolicyName,
    status: c.policy.Status,
    specificity: c.specificity,
    controls: c.policy.Actions.OnSuccess.Controls,
  });
  const enforced = matching.filter((c) => c.policy.Status === 'enforce').sort((a, b) => b.specificity - a.specificity || a.order - b.order);
  const monitored = matching
    .filter((c) => c.policy.Status === 'monitor' || c.policy.Status === 'monitor_and_notify')
    .sort((a, b) => a.order - b.order)
    .map((c) => ({ ...toMatch(c), wouldBe: outcomeOf(c.policy.Actions.OnSuccess.Controls, options.defaultOutcome) }));
  const matched = enforced.map(toMatch);
  const hasControl = (list: readonly CompiledPolicy[], control: Control) => list.some((c) => c.policy.Actions.OnSuccess.Controls.includes(control));
  const base = {
    matched,
    monitored,
    audit: hasControl(enforced, 'AUDIT'),
    record: hasControl(enforced, 'RECORD'),
  };

  // 1. DENY from any enforced policy wins over everything, whatever its specificity.
  const denying = enforced.filter((c) => c.policy.Actions.OnSuccess.Controls.includes('DENY'));
  if (denying.length > 0) {
    const first = denying[0]!.policy;
    return {
      ...base,
      outcome: 'deny',
      reason: first.NotificationMessage || `Denied by policy "${first.PolicyName}".`,
      reasonDetail: first.NotificationMessage
        ? { code: 'policy-deny-message', values: { policy: first.PolicyName, message: first.NotificationMessage } }
        : { code: 'policy-deny', values: { policy: first.PolicyName } },
      controls: [],
      justificationWithApproval: false,
      notification: null,
      deciding: denying.map((c) => c.policy.PolicyId),
    };
  }

  // 2. Nothing enforced decides: the configured default. AUDIT and RECORD only record, so a
  // recording-only policy never allows (nor takes a tier from the policies that do decide).
  const deciders = enforced.filter((c) => decides(c.policy.Actions.OnSuccess.Controls));
  if (deciders.length === 0) {
    return {
      ...base,
      outcome: options.defaultOutcome,
      reason: options.defaultOutcome === 'deny' ? 'No policy allows this action.' : 'No policy restricts this action.',
      reasonDetail: { code: options.defaultOutcome === 'deny' ? 'default-deny' : 'default-allow', values: {} },
      controls: [],
      justificationWithApproval: false,
      notification: null,
      deciding: [],
    };
  }

  // 3. The most specific tier decides; its controls stack (the most restrictive outcome wins).
  const tier = deciders.filter((c) => c.specificity === deciders[0]!.specificity);
  const requested = new Set(tier.flatMap((c) => c.policy.Actions.OnSuccess.Controls));
  const withApproval = requested.has('APPROVAL');
  // 4. Approval always collects a justification, so JUSTIFY is never asked a second time.
  const controls = PROMPT_PRECEDENCE.filter((control) => requested.has(control) && !(withApproval && control === 'JUSTIFY'));
  const notifying = tier.find((c) => c.policy.Actions.OnSuccess.Controls.includes('NOTIFY'))?.policy;
  return {
    ...base,
    outcome: controls.length === 0 ? 'allow' : 'controls',
    reason: controls.length === 0 ? 'Allowed by policy.' : `Needs ${controls.join(', ')}.`,
    reasonDetail: controls.length === 0 ? { code: 'policy-allow', values: {} } : { code: 'policy-controls', values: { controls: [...controls] } },
    controls,
    justificationWithApproval: withApproval,
    notification: notifying ? { message: notifying.NotificationMessage ?? '', requiresAcknowledge: notifying.NotificationRequiresAcknowledge ?? false } : null,
    deciding: tier.map((c) => c.policy.PolicyId),
  };
}

function outcomeOf(controls: readonly Control[], defaultOutcome: Outcome): Outcome {
  if (controls.includes('DENY')) return 'deny';
  if (PROMPT_PRECEDENCE.some((c) => controls.includes(c))) return 'controls';
  return decides(controls) ? 'allow' : defaultOutcome;
}
