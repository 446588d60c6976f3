import * as z from 'zod';
import { JobRunView } from '../../../../protocol/src/common/methods/jobs.ts';
import { call, defineService, stream } from '../serviceDescriptor.ts';

/** The KeeperAgent window's "Recent job runs": what the agent lets this user see (jobs.runs), with job names. */
export const JobRunsView = z.object({
  state: z.enum(['loading', 'ready', 'unavailable']),
  runs: z.array(JobRunView),
  /** Job id → name, from jobs.list (a run of a job no longer loaded shows its id). */
  jobNames: z.record(z.string(), z.string()),
});
export type JobRunsView = z.infer<typeof JobRunsView>;

export const JobRunsService = defineService('keeper.jobRuns', {
  /** The current view, then every change (the agent says when a run starts or ends). */
  runs$: stream(z.tuple([]), JobRunsView),
  refresh: call(z.tuple([]), JobRunsView),
});
