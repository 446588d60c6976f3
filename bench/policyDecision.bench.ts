/**
 * Policy decision latency: the real PolicySet (collections indexed, policies filed by their most
 * selective check) against a naive evaluator that walks every policy and looks every collection up
 * by scanning, on the same generated tenant. Both hand their matches to the same exported decide().
 *
 *   node bench/policyDecision.bench.ts [--seed=N] [--platform=linux|win32|darwin]
 *                                      [--policies=N] [--collections=N] [--requests=N] [--request-users=N]
 *
 * Two evaluators, interleaved per request (the order rotates): PolicySet as shipped and the naive
 * evaluator. Every decision is checked against the naive one before any number is
 * printed; if any disagrees, the first three are shown and the process exits 1. Defaults: 10,000
 * policies, 1,000 collections, 2,000 requests from the tenant's 2,000 users, platform linux.
 *
 * Plain Node script (not a vitest file). Data is generated with a seeded PRNG and validated through
 * the real zod schemas, so it is legal policy JSON. Results are described in docs/benchmarks.md.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { decide, PolicySet, typesDeciding, type CompiledPolicy, type Decision, type EvaluationOptions } from '../apps/agent-service/src/policy/evaluate.ts';
import { userVariables, type VariablePattern, type Variables } from '../apps/agent-service/src/policy/patterns.ts';
import { Collection, KeeperPolicy, type Control, type PolicyStatus, type PolicyType } from '../apps/agent-service/src/policy/policySchema.ts';
import type { EvaluationRequest } from '../apps/agent-service/src/policy/request.ts';
import { percentileOfSorted } from './support/stats.ts';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '20260523' },
    platform: { type: 'string', default: 'linux' },
    policies: { type: 'string', default: '10000' },
    collections: { type: 'string', default: '1000' },
    requests: { type: 'string', default: '2000' },
    /** How many distinct users the requests come from (default: all 2,000 of the tenant; an endpoint has a few). */
    'request-users': { type: 'string', default: '2000' },
  },
});
const SEED = Number(args.seed);
const PLATFORM = args.platform as NodeJS.Platform;
const N_POLICIES = Number(args.policies);
const N_COLLECTIONS = Number(args.collections);
const N_REQUESTS = Number(args.requests);
const N_REQUEST_USERS = Number(args['request-users']);
const OPTIONS: EvaluationOptions = { defaultOutcome: 'deny' };
const GOAL_SPEEDUP = 20;
const GOAL_P99_MS = 1;

/* ---------------------------------------------------------------------------------------------- */
/* Deterministic data                                                                               */
/* ---------------------------------------------------------------------------------------------- */

/** mulberry32: small, fast, good enough to make a reproducible tenant. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = prng(SEED);
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
const chance = (p: number) => rnd() < p;
const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
const pickSome = <T>(list: readonly T[], lo: number, hi: number): T[] => {
  const n = int(lo, hi);
  const out = new Set<T>();
  while (out.size < Math.min(n, list.length)) out.add(pick(list));
  return [...out];
};
function weighted<T>(table: readonly (readonly [T, number])[]): T {
  const total = table.reduce((s, [, w]) => s + w, 0);
  let r = rnd() * total;
  for (const [value, w] of table) if ((r -= w) < 0) return value;
  return table[table.length - 1]![0];
}
const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join('');
const pad = (n: number, w = 3) => String(n).padStart(w, '0');

// The tenant: people, machines and programs that collections and requests draw from.
const GROUPS = Array.from({ length: 80 }, (_, i) => `grp-${pad(i, 2)}`);
const USERS = Array.from({ length: 2000 }, (_, i) => {
  const name = `user${pad(i, 4)}`;
  return { name, uid: 10_000 + i, groups: pickSome(GROUPS, 1, 4), home: `/home/${name}` };
});
const MACHINE_KINDS = ['lap', 'ws', 'srv', 'build', 'kiosk'];
const DEPTS = ['eng', 'fin', 'ops', 'hr', 'sales', 'it'];
const MACHINES = Array.from({ length: 600 }, (_, i) => `${pick(MACHINE_KINDS)}-${pick(DEPTS)}-${pad(i)}`);
const SIGNERS = Array.from({ length: 40 }, (_, i) => `Vendor ${i} Inc.`);
const VENDORS = Array.from({ length: 60 }, (_, i) => `vendor${i}`);
const TOOL_NAMES = Array.from({ length: 500 }, (_, i) => `tool${pad(i)}`);
const HOME_TOOLS = ['deploy', 'kubectl', 'terraform', 'node', 'python3', 'aws'];
interface App {
  readonly path: string;
  readonly sha256: string;
  readonly signer: string | null;
}
const SYSTEM_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/snap/bin'];
const APPS: App[] = Array.from({ length: 1500 }, () => {
  const path = chance(0.3) ? `/opt/${pick(VENDORS)}/bin/${pick(TOOL_NAMES)}` : `${pick(SYSTEM_DIRS)}/${pick(TOOL_NAMES)}`;
  return { path, sha256: hex(64), signer: chance(0.4) ? pick(SIGNERS) : null };
});
const AGENT_PROCESSES = ['/usr/bin/node', '/usr/local/bin/python3', '/opt/cursor/cursor', '/usr/bin/claude', '/usr/bin/bash'];
const VERBS = ['install pkg', 'status', '--version', 'remove pkg', 'run job', 'config set x=1', 'upgrade', ''];

const POLICY_TYPES: readonly (readonly [PolicyType, number])[] = [
  ['PrivilegeElevation', 40],
  ['CommandLine', 15],
  ['FileAccess', 12],
  ['LeastPrivilege', 10],
  ['AgenticAccess', 10],
  ['HttpAccess', 5],
  ['SettingsUpdate', 5],
  ['JobUpdate', 3],
];
const STATUSES: readonly (readonly [PolicyStatus, number])[] = [
  ['enforce', 65],
  ['monitor', 12],
  ['monitor_and_notify', 8],
  ['off', 15],
];
const CONTROL_SETS: readonly (readonly [Control[], number])[] = [
  [['ALLOW'], 30],
  [['JUSTIFY'], 15],
  [['MFA'], 8],
  [['APPROVAL'], 12],
  [['APPROVAL', 'MFA'], 4],
  [['MFA', 'JUSTIFY'], 5],
  [['NOTIFY'], 3],
  // ALLOW and DENY stand alone; only the recording controls go with them (issue 18).
  [['ALLOW', 'AUDIT'], 3],
  [['OPERATORAPPROVAL'], 3],
  [['DENY'], 7],
];

function makeCollections(): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < N_COLLECTIONS; i++) {
    const kind = weighted([
      ['User', 40],
      ['Application', 40],
      ['Machine', 20],
    ] as const);
    const id = `col-${kind.toLowerCase()}-${pad(i, 4)}`;
    if (kind === 'User') {
      const members = Array.from({ length: int(1, 10) }, () => {
        const u = pick(USERS);
        return weighted<object>([
          [{ Name: u.name }, 50],
          [{ Uid: u.uid }, 20],
          [{ Group: pick(GROUPS) }, 30],
        ]);
      });
      out.push({ CollectionId: id, Name: `Users ${i}`, Type: 'User', Members: members });
    } else if (kind === 'Machine') {
      const members = Array.from({ length: int(1, 5) }, () =>
        weighted<object>([
          [{ Name: pick(MACHINES) }, 48],
          [{ Name: `${pick(MACHINE_KINDS)}-${pick(DEPTS)}-*` }, 24],
          [{ Name: `*-${pick(DEPTS)}-${int(0, 5)}??` }, 24],
          [{ Name: '{username}-pc' }, 4], // a user's own machine
        ]),
      );
      out.push({ CollectionId: id, Name: `Machines ${i}`, Type: 'Machine', Members: members });
    } else {
      const members = Array.from({ length: int(1, 8) }, () => {
        const app = pick(APPS);
        return weighted<object>([
          [{ Path: app.path }, 45],
          [{ Path: chance(0.5) ? `/opt/${pick(VENDORS)}/*` : `*/${pick(TOOL_NAMES)}` }, 20],
          [{ Path: `${pick(SYSTEM_DIRS)}/${pick(TOOL_NAMES).slice(0, 6)}*` }, 5],
          // Per-user tool paths; a whole user-writable folder is rare (it elevates anything dropped there).
          [{ Path: chance(0.9) ? `${pick(['{userprofile}/bin', '{home}/.local/bin'])}/${pick(HOME_TOOLS)}` : '{home}/.local/bin/*' }, 5],
          [{ Sha256: app.sha256 }, 15],
          [{ Signer: app.signer ?? pick(SIGNERS) }, 10],
        ]);
      });
      out.push({ CollectionId: id, Name: `Applications ${i}`, Type: 'Application', Members: members });
    }
  }
  return out;
}

function makePolicies(userIds: string[], appIds: string[], machineIds: string[]): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < N_POLICIES; i++) {
    const type = weighted(POLICY_TYPES);
    let app = chance(0.8) ? pickSome(appIds, 1, 3) : ['*'];
    let user = chance(0.5) ? pickSome(userIds, 1, 3) : ['*'];
    const machine = chance(0.25) ? pickSome(machineIds, 1, 2) : ['*'];
    // Catch-all policies exist but are few, as in a real tenant.
    if (app[0] === '*' && user[0] === '*' && machine[0] === '*' && chance(0.7)) user = pickSome(userIds, 1, 3);
    let controls = [...weighted(CONTROL_SETS)];
    // Hard blocks name what they block; a catch-all DENY would make every decision a deny.
    if (controls.includes('DENY') && app[0] === '*') app = pickSome(appIds, 1, 2);
    if (chance(0.35)) controls.push('AUDIT');
    if (chance(0.1)) controls.push('RECORD');
    controls = controls.sort(() => rnd() - 0.5);
    const policy: Record<string, unknown> = {
      PolicyName: `Policy ${i}`,
      PolicyType: type,
      PolicyId: `pol-${pad(i, 5)}`,
      Status: weighted(STATUSES),
      Operator: 'And',
      UserCheck: user,
      MachineCheck: machine,
      ApplicationCheck: app,
      Actions: { OnSuccess: { Controls: controls }, OnFailure: { Command: '' } },
    };
    if (chance(0.3)) policy['NotificationMessage'] = `Message of policy ${i}`;
    if (chance(0.1)) policy['NotificationRequiresAcknowledge'] = true;
    if (chance(0.08)) {
      const month = int(1, 12);
      policy['DateCheck'] = [{ StartDate: `2026-${pad(month, 2)}-01`, EndDate: `2026-${pad(Math.min(12, month + int(0, 3)), 2)}-28` }];
    }
    if (chance(0.15)) {
      policy['TimeCheck'] = chance(0.3)
        ? [{ StartTime: String(int(18, 23)), EndTime: String(int(5, 9)) }] // wraps midnight
        : [{ StartTime: `${int(6, 10)}:${pick(['00', '30'])}`, EndTime: String(int(15, 20)) }];
    }
    if (chance(0.15)) policy['DayCheck'] = chance(0.7) ? [1, 2, 3, 4, 5] : [0, 6];
    const extension: Record<string, unknown> = {};
    if (chance(0.12))
      extension['AllowCommands'] = pickSome(['* install *', '* --version', '* status*', '/usr/bin/*', '/opt/*/bin/* run *', '{home}/.local/bin/* *'], 1, 2);
    if (type === 'AgenticAccess') {
      if (chance(0.5)) extension['SubProcessCheck'] = chance(0.5) ? ['*'] : ['*/node', '*/python3'];
      if (chance(0.5)) extension['minAiLikelihoodPercent'] = int(50, 95);
    }
    if (Object.keys(extension).length > 0) policy['Extension'] = extension;
    out.push(policy);
  }
  return out;
}

function makeRequests(): EvaluationRequest[] {
  return Array.from({ length: N_REQUESTS }, () => {
    const policyType = weighted(POLICY_TYPES);
    const u = pick(USERS.slice(0, N_REQUEST_USERS));
    let app: App;
    if (chance(0.1)) app = { path: `${u.home}/${pick(['bin', '.local/bin'])}/${pick(HOME_TOOLS)}`, sha256: hex(64), signer: null };
    else if (chance(0.9)) app = pick(APPS);
    else app = { path: `/tmp/unknown-${hex(6)}`, sha256: hex(64), signer: null };
    const verb = pick(VERBS);
    return {
      policyType,
      user: { uid: u.uid, name: u.name, groups: u.groups, home: u.home },
      machine: {
        name: weighted([
          [pick(MACHINES), 85],
          [`${u.name}-pc`, 5],
          [`unmanaged-${hex(4)}`, 10],
        ]),
      },
      application: { path: app.path, sha256: chance(0.8) ? app.sha256 : null, signer: app.signer, commandLine: verb ? `${app.path} ${verb}` : app.path },
      agentic: policyType === 'AgenticAccess' || chance(0.05) ? { parentProcess: pick(AGENT_PROCESSES), aiLikelihoodPercent: int(0, 100) } : null,
      at: new Date(2026, int(0, 11), int(1, 28), int(0, 23), int(0, 59)),
    };
  });
}

/* ---------------------------------------------------------------------------------------------- */
/* The naive evaluator: no index, no precompiled patterns, same decide()                            */
/* ---------------------------------------------------------------------------------------------- */

/**
 * Walks every policy; for each check id scans the collections array for it and tests the members,
 * compiling patterns on the spot. Schedule and Extension checks restate evaluate.ts (they are not
 * exported); the matches go to the same decide().
 */
function naiveEvaluate(policies: readonly KeeperPolicy[], collections: readonly Collection[], request: EvaluationRequest, platform: NodeJS.Platform): Decision {
  const ci = platform === 'win32';
  const fold = (s: string) => (ci ? s.toLowerCase() : s);
  const find = (id: string) => {
    for (const c of collections) if (c.CollectionId === id) return c;
    return undefined;
  };
  const inUser = (id: string) => {
    const c = find(id);
    if (c?.Type !== 'User') return false;
    const { user } = request;
    return c.Members.some((m) =>
      'Name' in m
        ? user.name !== null && fold(m.Name) === fold(user.name)
        : 'Uid' in m
          ? m.Uid === user.uid
          : user.groups.some((g) => fold(g) === fold(m.Group)),
    );
  };
  /** Expands the variables (none left unresolved, or no match) and compiles the pattern into a RegExp, every time. */
  const onTheFly = (pattern: string, value: string) => {
    const variables = userVariables(request.user, platform);
    let unresolved = false;
    const expanded = pattern.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_whole, name: string) => {
      const found = variables[name.toLowerCase()];
      if (!found) unresolved = true;
      return (found ?? '').replace(/[*?]/g, '\0$&');
    });
    if (unresolved) return false;
    // A `*` or `?` that came from a value was marked with \0: it stays literal, as in the engine.
    const source = expanded
      .split(/(\0[*?]|[*?])/)
      .map((part) => (part === '*' ? '.*' : part === '?' ? '.' : part.replace(/\0/g, '').replace(/[.+^${}()|[\]\\/*?-]/g, '\\$&')))
      .join('');
    return new RegExp(`^${source}$`, ci ? 'is' : 's').test(value);
  };
  const inMachine = (id: string) => {
    const c = find(id);
    if (c?.Type !== 'Machine') return false;
    return c.Members.some((m) => onTheFly(m.Name, request.machine.name));
  };
  const inApp = (id: string) => {
    const c = find(id);
    if (c?.Type !== 'Application') return false;
    const { application } = request;
    return c.Members.some((m) => {
      if ('Path' in m) return onTheFly(m.Path, application.path);
      if ('Sha256' in m) return application.sha256 !== null && m.Sha256.toLowerCase() === application.sha256.toLowerCase();
      return application.signer !== null && m.Signer.toLowerCase() === application.signer.toLowerCase();
    });
  };
  const passes = (check: readonly string[], member: (id: string) => boolean) => check.includes('*') || check.some(member);
  const matching: CompiledPolicy[] = [];
  const onTheFlyPattern =
    (pattern: string): VariablePattern =>
    (value) =>
      onTheFly(pattern, value);
  for (const [order, policy] of policies.entries()) {
    // Operator "And": cheapest checks first, the pattern-compiling ones last.
    // A type brings in the types decided with it (PrivilegeElevation and CommandLine together).
    if (policy.Status === 'off' || !typesDeciding(request.policyType).includes(policy.PolicyType) || !naiveSchedule(policy, request.at)) continue;
    if (!passes(policy.UserCheck, inUser) || !passes(policy.MachineCheck, inMachine) || !passes(policy.ApplicationCheck, inApp)) continue;
    const compiled: CompiledPolicy = {
      policy,
      specificity: [policy.UserCheck, policy.ApplicationCheck, policy.MachineCheck].filter((c) => !c.includes('*')).length,
      allowCommands: (policy.Extension?.AllowCommands ?? []).map(onTheFlyPattern),
      subProcesses: (policy.Extension?.SubProcessCheck ?? []).map(onTheFlyPattern),
      // The benchmark's policies set no argument rules.
      allowArguments: [],
      deniedArguments: [],
      timeWindows: [],
      order,
    };
    if (!naiveExtension(compiled, request, () => userVariables(request.user, platform))) continue;
    matching.push(compiled);
  }
  return decide(matching, OPTIONS);
}

function naiveSchedule(policy: KeeperPolicy, at: Date): boolean {
  if (policy.DayCheck?.length && !policy.DayCheck.includes(at.getDay())) return false;
  if (policy.DateCheck?.length) {
    const today = `${at.getFullYear()}-${pad(at.getMonth() + 1, 2)}-${pad(at.getDate(), 2)}`;
    if (!policy.DateCheck.some((r) => r.StartDate <= today && today <= r.EndDate)) return false;
  }
  if (policy.TimeCheck?.length) {
    const now = at.getHours() * 60 + at.getMinutes();
    const minutes = (hour: string) => {
      const [h, m] = hour.split(':');
      return Number(h) * 60 + Number(m ?? 0);
    };
    const inWindow = (r: { StartTime: string; EndTime: string }) => {
      const start = minutes(r.StartTime);
      const end = minutes(r.EndTime);
      return start <= end ? start <= now && now < end : now >= start || now < end;
    };
    if (!policy.TimeCheck.some(inWindow)) return false;
  }
  return true;
}

function naiveExtension(compiled: CompiledPolicy, request: EvaluationRequest, variables: () => Variables): boolean {
  const { allowCommands, subProcesses, policy } = compiled;
  if (allowCommands.length > 0 && !allowCommands.some((m) => m(request.application.commandLine, variables))) return false;
  const threshold = policy.Extension?.minAiLikelihoodPercent;
  if (threshold !== undefined && (request.agentic === null || request.agentic.aiLikelihoodPercent < threshold)) return false;
  if (subProcesses.length > 0) {
    const agentic = request.agentic;
    if (agentic === null || !subProcesses.some((m) => m(agentic.parentProcess, variables))) return false;
  }
  return true;
}

/* ---------------------------------------------------------------------------------------------- */
/* Measuring                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

const ns = () => process.hrtime.bigint();
const ms = (n: bigint | number) => Number(n) / 1e6;

function percentiles(samples: Float64Array): { p50: number; p95: number; p99: number; max: number; mean: number } {
  const sorted = Float64Array.from(samples).sort();
  return {
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
    max: sorted[sorted.length - 1]!,
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
  };
}

/** A decision with its policy lists as sets: what must agree whatever order the matches came in. */
function canonical(d: Decision) {
  const byId = <T extends { policyId: string }>(list: readonly T[]) => [...list].sort((a, b) => a.policyId.localeCompare(b.policyId));
  return {
    outcome: d.outcome,
    controls: d.controls,
    justificationWithApproval: d.justificationWithApproval,
    audit: d.audit,
    record: d.record,
    matched: byId(d.matched),
    deciding: [...d.deciding].sort(),
    monitored: byId(d.monitored),
  };
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n >= 1 ? n.toFixed(2) : n.toFixed(3);
}

type Stats = ReturnType<typeof percentiles>;

/** Times `evaluate` for every request, one after the other (no other evaluator in between). */
/**
 * Times `evaluate` for every request, one after the other (no other evaluator in between). Also
 * returns how much of that wall time this thread was on a CPU (per-decision CPU time is too coarse
 * to read, the kernel counts it in ticks): well below 100 % means a busy machine preempted us.
 */
function timeAlone(evaluate: (r: EvaluationRequest) => Decision, requests: readonly EvaluationRequest[]): { wall: Stats; onCpu: number } {
  const wall = new Float64Array(requests.length);
  const c0 = process.threadCpuUsage();
  const w0 = ns();
  for (let i = 0; i < requests.length; i++) {
    const t0 = ns();
    evaluate(requests[i]!);
    wall[i] = Number(ns() - t0);
  }
  const c = process.threadCpuUsage(c0);
  return { wall: percentiles(wall), onCpu: ((c.user + c.system) * 1e3) / Number(ns() - w0) };
}

function main(): void {
  const started = ns();
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  console.log(
    `policy decision benchmark: seed ${SEED}, platform ${PLATFORM}, requests from ${Math.min(N_REQUEST_USERS, USERS.length)} users, ` +
      `node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), load average ${load()}`,
  );

  // 1. Generate and validate through the real schemas.
  const rawCollections = makeCollections();
  const userIds: string[] = [];
  const appIds: string[] = [];
  const machineIds: string[] = [];
  const t0 = ns();
  const collections = rawCollections.map((c) => Collection.parse(c));
  for (const c of collections) (c.Type === 'User' ? userIds : c.Type === 'Application' ? appIds : machineIds).push(c.CollectionId);
  const policies = makePolicies(userIds, appIds, machineIds).map((p) => KeeperPolicy.parse(p));
  const parseMs = ms(ns() - t0);
  const requests = makeRequests();
  const enforced = policies.filter((p) => p.Status === 'enforce').length;
  const catchAll = policies.filter((p) => [p.UserCheck, p.ApplicationCheck, p.MachineCheck].every((c) => c.includes('*'))).length;
  console.log(
    `data: ${policies.length} policies (${enforced} enforce, ${catchAll} all-wildcard), ${collections.length} collections ` +
      `(${userIds.length} user, ${appIds.length} application, ${machineIds.length} machine), ${requests.length} requests; zod validation ${fmt(parseMs)} ms`,
  );

  // 2. Build the PolicySet (the work a policy reload does).
  const builds: number[] = [];
  let built: PolicySet | null = null;
  for (let i = 0; i < 5; i++) {
    const b0 = ns();
    built = new PolicySet(policies, collections, PLATFORM);
    builds.push(ms(ns() - b0));
  }
  const policySet = built!;
  const sortedBuilds = [...builds].sort((a, b) => a - b);
  console.log(`PolicySet build: first ${fmt(builds[0]!)} ms, median of 5 ${fmt(sortedBuilds[2]!)} ms`);

  const evaluators = [
    { name: 'PolicySet', run: (r: EvaluationRequest) => policySet.evaluate(r, OPTIONS) },
    { name: 'naive linear', run: (r: EvaluationRequest) => naiveEvaluate(policies, collections, r, PLATFORM) },
  ];
  const fast = evaluators.filter((e) => e.name !== 'naive linear');

  // 3. Warm up every path (JIT, inline caches).
  const warm = requests.slice(0, Math.min(200, requests.length));
  for (let round = 0; round < 5; round++) for (const r of warm) for (const e of fast) e.run(r);
  for (const r of warm.slice(0, 50)) evaluators[1]!.run(r);

  // 4. Timed and interleaved: each request goes through all three, the order rotating per request.
  const samples = evaluators.map(() => new Float64Array(requests.length));
  const decisions: Decision[] = [];
  let mismatches = 0;
  /** Fields of evaluate()'s own decision that differ only in order from the naive one, and how often. */
  const orderOnly = new Map<string, number>();
  const outcomes = { allow: 0, deny: 0, controls: 0 };
  let matchedTotal = 0;
  const index = new Map(policies.map((p, i) => [p, i]));
  const inLoadOrder = (set: PolicySet, r: EvaluationRequest) =>
    decide(
      [...set.matching(r)].sort((x, y) => index.get(x.policy)! - index.get(y.policy)!),
      OPTIONS,
    );
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i]!;
    for (let k = 0; k < evaluators.length; k++) {
      const e = (i + k) % evaluators.length;
      const s0 = ns();
      decisions[e] = evaluators[e]!.run(r);
      samples[e]![i] = Number(ns() - s0);
    }
    const [real, naive] = decisions as [Decision, Decision];
    outcomes[real.outcome]++;
    matchedTotal += real.matched.length + real.monitored.length;
    // Identical decisions: exactly (reason and notification included) once the matches are put in
    // load order, and order-insensitively for what evaluate() really returned.
    const same = isDeepStrictEqual(inLoadOrder(policySet, r), naive) && isDeepStrictEqual(canonical(real), canonical(naive));
    if (!same) {
      mismatches++;
      if (mismatches <= 3) {
        const a = canonical(real);
        const b = canonical(naive);
        const fields = (Object.keys(a) as (keyof typeof a)[]).filter((k) => !isDeepStrictEqual(a[k], b[k]));
        console.error(`MISMATCH on request ${i} (PolicySet vs naive differ in: ${fields.join(', ') || 'order-sensitive fields'}):`, JSON.stringify(r));
      }
    } else {
      for (const key of Object.keys(real) as (keyof Decision)[]) {
        if (!isDeepStrictEqual(real[key], naive[key])) orderOnly.set(key, (orderOnly.get(key) ?? 0) + 1);
      }
    }
  }
  if (mismatches > 0) {
    console.error(`FAIL: ${mismatches} of ${requests.length} decisions differ between the evaluators`);
    process.exit(1);
  }
  console.log(
    `decisions identical for all ${requests.length} requests (allow ${outcomes.allow}, deny ${outcomes.deny}, controls ${outcomes.controls}; ` +
      `${fmt(matchedTotal / requests.length)} matching policies per request on average)`,
  );
  if (orderOnly.size > 0) {
    const which = [...orderOnly].map(([key, n]) => `${key} in ${n}`).join(', ');
    console.log(
      `note: PolicySet.evaluate() lists policies in another order than the load order (${which} decisions; same content) - see docs/policy-semantics.md`,
    );
  }

  // 5. The fast evaluators again, each on its own (no naive evaluator's garbage and cache misses in
  //    between); three rounds each, the round with the lowest p99 is kept (a shared machine's noise).
  const ROUNDS = 3;
  const alone = fast.map((e) =>
    Array.from({ length: ROUNDS }, () => timeAlone(e.run, requests)).reduce((best, next) => (next.wall.p99 < best.wall.p99 ? next : best)),
  );

  // 6. Report.
  const stats = samples.map(percentiles);
  const naive = stats[1]!;
  const us = (n: number) => fmt(n / 1e3).padStart(9);
  const row = (name: string, p: Stats) => `${name.padEnd(30)} ${us(p.p50)} ${us(p.p95)} ${us(p.p99)} ${us(p.max)} ${us(p.mean)}`;
  console.log(`\nper-decision latency (µs)${' '.repeat(14)}p50       p95       p99       max      mean`);
  console.log('interleaved (naive in between):');
  evaluators.forEach((e, k) => console.log(row(`  ${e.name}`, stats[k]!)));
  console.log(`alone (same requests, one evaluator at a time; best of ${ROUNDS} rounds by p99):`);
  fast.forEach((e, k) => console.log(`${row(`  ${e.name}`, alone[k]!.wall)}   (on CPU ${Math.round(alone[k]!.onCpu * 100)} % of the time)`));
  console.log('');
  for (const e of fast) {
    const k = evaluators.indexOf(e);
    const st = stats[k]!;
    const a = alone[fast.indexOf(e)]!.wall;
    const x50 = naive.p50 / st.p50;
    const x99 = naive.p99 / st.p99;
    console.log(
      `${(e.name + ':').padEnd(20)} ${fmt(x50)}x faster than naive at p50, ${fmt(x99)}x at p99 -> >= ${GOAL_SPEEDUP}x ${x50 >= GOAL_SPEEDUP && x99 >= GOAL_SPEEDUP ? 'MET' : 'NOT MET'}; ` +
        `p99 ${fmt(st.p99 / 1e3)} µs interleaved, ${fmt(a.p99 / 1e3)} µs alone -> < ${GOAL_P99_MS} ms ${st.p99 / 1e6 < GOAL_P99_MS ? 'MET' : a.p99 / 1e6 < GOAL_P99_MS ? 'MET alone only' : 'NOT MET'}`,
    );
  }
  console.log(`total run time ${fmt(ms(ns() - started) / 1e3)} s, load average ${load()}`);
}

main();
