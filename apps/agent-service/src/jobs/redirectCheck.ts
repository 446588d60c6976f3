import { globMatch } from './condition.ts';
import type { JobEngine } from './jobEngine.ts';
import type { RedirectRule } from './jobSchema.ts';
import type { ReasonDetail } from '../../../../shared/protocol/src/common/index.ts';

/** The event of jobs that check an elevation request for a redirect before any policy applies. */
export const ELEVATION_REQUESTED = 'ElevationRequested';

export interface RedirectRequest {
  readonly uid: number;
  readonly userName: string | null;
  readonly executable: string;
  readonly arguments: readonly string[];
  readonly commandLine: string;
}

export interface Redirect {
  readonly jobId: string;
  readonly target: string;
  /** Why the request is not elevated, for the requester. */
  readonly reason: string;
  readonly reasonDetail: ReasonDetail;
}

function matches(rule: RedirectRule, request: RedirectRequest): boolean {
  if (!globMatch(request.executable, rule.sourceExePattern)) return false;
  return rule.sourceArgumentsPattern === undefined || globMatch(request.arguments.join(' '), rule.sourceArgumentsPattern);
}

/**
 * Keeper's redirect check: the first ready ElevationRequested job (priority 1 first) with a rule
 * matching the program runs with `RedirectTarget`/`RedirectArguments` set, so its UserDesktop task
 * opens the substitute on the requester's desktop; the program itself is never elevated. A request
 * no rule matches goes on to the policies.
 */
export class RedirectCheck {
  private readonly engine: JobEngine;

  constructor({ engine }: { engine: JobEngine }) {
    this.engine = engine;
  }

  async check(request: RedirectRequest): Promise<Redirect | null> {
    // The first job with a matching rule runs; its condition is decided by the run, as for any event.
    for (const job of this.engine.readyFor(ELEVATION_REQUESTED)) {
      const rule = job.redirects.find((r) => matches(r, request));
      if (!rule) continue;
      const run = await this.engine.start(
        job.id,
        {
          uid: request.uid,
          UserName: request.userName ?? String(request.uid),
          Executable: request.executable,
          CommandLine: request.commandLine,
          RedirectTarget: rule.targetExecutable,
          RedirectArguments: rule.targetArguments,
        },
        ELEVATION_REQUESTED,
      ).finished;
      const reason =
        run.status === 'succeeded'
          ? `${request.executable} is not elevated: it opens ${rule.targetExecutable} instead.`
          : `${request.executable} is not elevated: it should open ${rule.targetExecutable} instead, but that failed (${run.reason ?? run.status}).`;
      const names = { executable: request.executable, target: rule.targetExecutable };
      const reasonDetail: ReasonDetail =
        run.status === 'succeeded' ? { code: 'redirected', values: names } : { code: 'redirect-failed', values: { ...names, error: run.reason ?? run.status } };
      return { jobId: job.id, target: rule.targetExecutable, reason, reasonDetail };
    }
    return null;
  }
}
