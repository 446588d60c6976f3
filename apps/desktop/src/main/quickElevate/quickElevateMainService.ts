import { homedir } from 'node:os';
import { BehaviorSubject, combineLatest, map } from 'rxjs';
import { resolveCommand } from '../../../../../shared/protocol/src/node/resolveCommand.ts';
import { PolicyExplain } from '../../../../../shared/protocol/src/common/index.ts';
import type { ElevationProblem } from '../../../../../shared/bridge/src/common/services/elevationProblem.ts';
import type { QuickElevateChoice, QuickElevateProgress, QuickElevateService } from '../../../../../shared/bridge/src/common/services/quickElevate.ts';
import type { ServiceImplementation } from '../../../../../shared/bridge/src/common/serviceDescriptor.ts';
import type { AgentLink } from '../agent/agentLink.ts';
import { agentProblem, problem, rawText, type ProblemLog } from '../elevation/elevationProblem.ts';
import type { ElevationRunner } from '../elevation/elevationRunner.ts';
import type { AllowedApplicationsCache } from './allowedApplications.ts';
import { joinCommandWords, splitCommandWords } from './commandWords.ts';
import type { RecentApplications } from './recentApplications.ts';

/** How many finished requests the window keeps showing. */
const KEPT = 10;

export interface QuickElevateDeps {
  readonly link: AgentLink;
  readonly runner: ElevationRunner;
  readonly recent: RecentApplications;
  /** The "allowed" list, kept per policy load (see `quickElevateExplainer` for what it asks). */
  readonly allowed: AllowedApplicationsCache;
  readonly env: NodeJS.ProcessEnv;
  readonly log: ProblemLog;
  /** Where elevated programs start: the user's home, as a terminal would. */
  readonly cwd?: string;
  /**
   * Told the result of each request once (the result toast): when it ends, or when its program is
   * still running after `startedAfterMs` (a GUI application: "started").
   */
  readonly onResult: (entry: QuickElevateProgress) => void;
  readonly startedAfterMs?: number;
}

type Resolved = { ok: true; choice: QuickElevateChoice } | { ok: false; problem: ElevationProblem };

/** The typed command as the agent will see it: the program resolved on PATH, the words after it. */
export function resolveTyped(text: string, env: NodeJS.ProcessEnv, cwd: string): Resolved {
  const words = splitCommandWords(text);
  if (!words || words.length === 0) return { ok: false, problem: problem('unclosed-quote') };
  const executable = resolveCommand(words[0]!, env, cwd);
  if (!executable) return { ok: false, problem: problem('command-not-found', { command: words[0]! }) };
  return { ok: true, choice: { executable, arguments: words.slice(1), commandLine: joinCommandWords(words), name: words[0]! } };
}

/** What quick-elevate asks the agent about a choice: `policy.explain`, run from `cwd`. */
export const quickElevateExplainer = (link: AgentLink, cwd: string) => (choice: QuickElevateChoice) =>
  link.request(PolicyExplain, { executable: choice.executable, arguments: choice.arguments, cwd });

/** Main's side of the quick-elevate window. It asks the agent; it never decides. */
export function quickElevateMainService(deps: QuickElevateDeps): ServiceImplementation<typeof QuickElevateService> {
  const cwd = deps.cwd ?? homedir();
  const progress = new BehaviorSubject<QuickElevateProgress[]>([]);
  const recent = new BehaviorSubject<QuickElevateChoice[]>(deps.recent.list());
  const put = (entry: QuickElevateProgress) => {
    const others = progress.value.filter((e) => e.requestId !== entry.requestId);
    progress.next([entry, ...others].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, KEPT));
  };
  const explain = quickElevateExplainer(deps.link, cwd);
  const refused = (action: string, error: unknown) => {
    const shown = agentProblem(error);
    deps.log(shown, `${action}: ${rawText(error)}`);
    return { ok: false as const, problem: shown };
  };

  return {
    // The last known lists at once; a window opening is also when the allowed list is checked.
    choices$: () => {
      void deps.allowed.refresh();
      return combineLatest([recent, deps.allowed.list$]).pipe(
        map(([r, allowed]) => ({ recent: r, allowed: allowed.allowed, allowedProblem: allowed.problem })),
      );
    },
    async preview(text) {
      const resolved = resolveTyped(text, deps.env, cwd);
      if (!resolved.ok) return resolved;
      try {
        const explanation = await explain(resolved.choice);
        const deciding = new Set(explanation.decision.deciding);
        const policies = explanation.decision.matched.filter((m) => deciding.has(m.policyId) || deciding.has(m.policyName)).map((m) => m.policyName);
        return { ok: true, choice: resolved.choice, decision: explanation.decision, policies };
      } catch (error) {
        return refused(`policy.explain ${resolved.choice.commandLine}`, error);
      }
    },
    async submit(text) {
      const resolved = resolveTyped(text, deps.env, cwd);
      if (!resolved.ok) return resolved;
      const { choice } = resolved;
      try {
        const started = await deps.runner.start(
          { executable: choice.executable, arguments: choice.arguments, cwd, policyType: 'PrivilegeElevation' },
          choice.commandLine,
        );
        deps.recent.remember(choice);
        recent.next(deps.recent.list());
        let timer: NodeJS.Timeout | null = null;
        let told = false;
        const tell = (entry: QuickElevateProgress) => {
          if (told) return;
          told = true;
          deps.onResult(entry);
        };
        started.entry.subscribe({
          next: (entry) => {
            put(entry);
            if (entry.phase === 'running' && !timer) timer = setTimeout(() => tell(entry), deps.startedAfterMs ?? 3_000);
          },
          error: () => {},
          complete: () => {},
        });
        void started.done.then((entry) => {
          if (timer) clearTimeout(timer);
          tell(entry);
        });
        return { ok: true, requestId: started.requestId };
      } catch (error) {
        return refused(`elevation.request ${choice.commandLine}`, error);
      }
    },
    progress$: () => progress,
  };
}
