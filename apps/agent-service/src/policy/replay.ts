import type { Outcome, PolicySet } from './evaluate.ts';
import { decideLayered } from './policyLayers.ts';
import type { Control } from './policySchema.ts';
import { replayableRequest, type MissingFact } from './recordedRequest.ts';

/** An `elevation.decided` event as the audit stores it. */
export interface DecidedEventRow {
  readonly seq: number;
  readonly at: string;
  readonly actorUid: number | null;
  readonly requestId: string | null;
  readonly data: unknown;
}

export interface Verdict {
  readonly outcome: Outcome;
  /** The prompts in presentation order; null when an older event does not say which were asked. */
  readonly controls: readonly Control[] | null;
}

/** The requests of one user and program that went from the same old verdict to the group's new one. */
export interface ReplayEntry {
  readonly user: string;
  readonly program: string;
  readonly was: Verdict;
  readonly count: number;
  /** Facts the events of this entry did not record (replayed as unknown); empty when the replay is faithful. */
  readonly missing: readonly MissingFact[];
  readonly firstAt: string;
  readonly lastAt: string;
  readonly requestIds: readonly string[];
}

/** Every changed request that the proposed policies decide the same way. */
export interface ReplayGroup {
  readonly now: { readonly outcome: Outcome; readonly controls: readonly Control[] };
  readonly requests: number;
  readonly entries: readonly ReplayEntry[];
}

export interface ReplayReport {
  readonly replayed: number;
  readonly changed: number;
  readonly unchanged: number;
  /** Replayed requests (changed or not) whose events lack facts a faithful replay needs. */
  readonly partial: number;
  /** `elevation.decided` events whose data could not be read as a request (never expected; counted, not hidden). */
  readonly unreadable: number;
  readonly groups: readonly ReplayGroup[];
}

const GROUP_ORDER: Record<Outcome, number> = { allow: 0, deny: 1, controls: 2 };
const key = (outcome: Outcome, controls: readonly Control[] | null) => `${outcome}:${controls === null ? '?' : controls.join(',')}`;

/**
 * Decides each recorded request again with `set` and groups those whose verdict changed by the new
 * verdict, then by user, program and old verdict. A same-outcome request whose old prompts are
 * unknown (an older event asked for "controls") is not counted as changed, only as partial.
 */
export function replay(events: readonly DecidedEventRow[], set: PolicySet, options: { defaultOutcome: 'allow' | 'deny' }): ReplayReport {
  let replayed = 0;
  let changed = 0;
  let partial = 0;
  let unreadable = 0;
  const groups = new Map<
    string,
    { now: ReplayGroup['now']; requests: number; entries: Map<string, ReplayEntry & { missing: MissingFact[]; requestIds: string[] }> }
  >();
  for (const event of events) {
    const recorded = replayableRequest(event.data, event.actorUid, new Date(event.at));
    if (!recorded) {
      unreadable++;
      continue;
    }
    replayed++;
    // A signer the agent did not look up (no policy named one) only matters to policies that name one.
    const missing = recorded.missing.filter((fact) => fact !== 'signer' || set.collections.hasSigners);
    if (missing.length > 0) partial++;
    // The agent's own decision, agentic layers included (elevationService.ts).
    const { decision } = decideLayered(set, recorded.request, options);
    const now = { outcome: decision.outcome, controls: [...decision.controls] };
    const { then } = recorded;
    const differs = then.outcome !== now.outcome || (then.controls !== null && then.controls.join(',') !== now.controls.join(','));
    if (!differs) continue;
    changed++;
    const groupKey = key(now.outcome, now.controls);
    let group = groups.get(groupKey);
    if (!group) groups.set(groupKey, (group = { now, requests: 0, entries: new Map() }));
    group.requests++;
    const user = recorded.request.user.name ?? `uid ${recorded.request.user.uid ?? '?'}`;
    const program = recorded.request.application.path;
    const entryKey = JSON.stringify([user, program, key(then.outcome, then.controls)]);
    const entry = group.entries.get(entryKey);
    if (!entry) {
      group.entries.set(entryKey, {
        user,
        program,
        was: { outcome: then.outcome, controls: then.controls ? [...then.controls] : null },
        count: 1,
        missing,
        firstAt: event.at,
        lastAt: event.at,
        requestIds: event.requestId ? [event.requestId] : [],
      });
      continue;
    }
    group.entries.set(entryKey, {
      ...entry,
      count: entry.count + 1,
      missing: [...new Set([...entry.missing, ...missing])],
      firstAt: event.at < entry.firstAt ? event.at : entry.firstAt,
      lastAt: event.at > entry.lastAt ? event.at : entry.lastAt,
      requestIds: event.requestId ? [...entry.requestIds, event.requestId] : entry.requestIds,
    });
  }
  const sortedGroups = [...groups.values()]
    .sort((a, b) => GROUP_ORDER[a.now.outcome] - GROUP_ORDER[b.now.outcome] || a.now.controls.join(',').localeCompare(b.now.controls.join(',')))
    .map((g) => ({
      now: g.now,
      requests: g.requests,
      entries: [...g.entries.values()].sort((a, b) => b.count - a.count || a.user.localeCompare(b.user) || a.program.localeCompare(b.program)),
    }));
  return { replayed, changed, unchanged: replayed - changed, partial, unreadable, groups: sortedGroups };
}
