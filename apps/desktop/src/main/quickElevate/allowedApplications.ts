import { BehaviorSubject, type Observable } from 'rxjs';
import { PolicyExplain, type ResultOf } from '../../../../../shared/protocol/src/common/index.ts';
import type { ElevationProblem } from '../../../../../shared/bridge/src/common/services/elevationProblem.ts';
import type { QuickElevateChoice } from '../../../../../shared/bridge/src/common/services/quickElevate.ts';
import { agentProblem, rawText, type ProblemLog } from '../elevation/elevationProblem.ts';

/** Installed applications are many; asking the agent about each is cheap, but not free. */
const MAX_CANDIDATES = 40;

export type Explain = (choice: QuickElevateChoice) => Promise<ResultOf<typeof PolicyExplain>>;

/**
 * The candidates a policy of this user names specifically (an ApplicationCheck that is not `*`
 * matched) and does not deny, as `policy.explain` says: the agent decides what "allowed" means,
 * this only asks. A candidate that only a catch-all policy covers is not listed. A failure that
 * says the agent cannot answer at all ends the walk; one about a single candidate skips it.
 */
export async function allowedApplications(
  candidates: readonly QuickElevateChoice[],
  explain: Explain,
  log: ProblemLog,
): Promise<{ allowed: QuickElevateChoice[]; problem: ElevationProblem | null }> {
  const allowed: QuickElevateChoice[] = [];
  for (const candidate of candidates.slice(0, MAX_CANDIDATES)) {
    let explanation: ResultOf<typeof PolicyExplain>;
    try {
      explanation = await explain(candidate);
    } catch (error) {
      const problem = agentProblem(error);
      log(problem, `policy.explain ${candidate.commandLine}: ${rawText(error)}`);
      if (problem.code === 'agent-unsupported' || problem.code === 'agent-unavailable') return { allowed: [], problem };
      continue;
    }
    if (explanation.decision.outcome === 'deny') continue;
    const named = explanation.policies.some((policy) => policy.matched && policy.checks.some((check) => check.check === 'ApplicationCheck' && check.passed));
    if (named) allowed.push(candidate);
  }
  return { allowed, problem: null };
}

export interface AllowedList {
  readonly allowed: QuickElevateChoice[];
  readonly problem: ElevationProblem | null;
}

export interface AllowedApplicationsCacheDeps {
  readonly candidates: () => QuickElevateChoice[];
  readonly explain: Explain;
  /** The agent's `policies.loadedAt` (agent.status); it changes on every policy reload. */
  readonly policiesLoadedAt: () => string | null;
  readonly log: ProblemLog;
}

/**
 * The "allowed" list, kept per policy load: explaining every installed application takes one
 * `policy.explain` each (docs/benchmarks.md), so quick-elevate shows the last list at once and
 * works it out again in the background only when the policies or the installed applications
 * changed since.
 */
export class AllowedApplicationsCache {
  private readonly deps: AllowedApplicationsCacheDeps;
  private readonly list = new BehaviorSubject<AllowedList>({ allowed: [], problem: null });
  /** Policy load + candidates the current list was made for; null when it must be made again. */
  private madeFor: string | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(deps: AllowedApplicationsCacheDeps) {
    this.deps = deps;
  }

  get list$(): Observable<AllowedList> {
    return this.list.asObservable();
  }

  /** Brings the list up to date; one refresh at a time, and one more if asked meanwhile. */
  refresh(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.update();
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async update(): Promise<void> {
    const loadedAt = this.deps.policiesLoadedAt();
    const candidates = this.deps.candidates();
    const key = JSON.stringify([loadedAt, candidates.map((c) => [c.executable, c.arguments])]);
    if (loadedAt !== null && key === this.madeFor) return;
    const { allowed, problem } = await allowedApplications(candidates, this.deps.explain, this.deps.log);
    // A failed attempt keeps the last good list on show, and is tried again on the next open.
    this.madeFor = problem || loadedAt === null ? null : key;
    this.list.next(problem ? { ...this.list.value, problem } : { allowed, problem: null });
  }
}
