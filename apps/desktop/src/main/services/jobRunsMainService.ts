import { BehaviorSubject } from 'rxjs';
import { JobsList, JobsRuns, JobsRunsChanged } from '../../../../../shared/protocol/src/common/index.ts';
import type { JobRunsService, JobRunsView } from '../../../../../shared/bridge/src/common/services/jobRuns.ts';
import type { ServiceImplementation } from '../../../../../shared/bridge/src/common/serviceDescriptor.ts';
import type { AgentLink } from '../agent/agentLink.ts';
import { coalesced } from './coalesced.ts';

const RECENT_RUNS = 20;

/**
 * Recent job runs for the KeeperAgent window: loaded when the agent (re)connects and again whenever
 * it says a run started or ended; loads that overlap are folded into one more.
 */
export function jobRunsMainService(link: AgentLink): ServiceImplementation<typeof JobRunsService> {
  const view = new BehaviorSubject<JobRunsView>({ state: 'loading', runs: [], jobNames: {} });
  const load = coalesced(async () => {
    try {
      const [runs, jobs] = await Promise.all([link.request(JobsRuns, { limit: RECENT_RUNS }), link.request(JobsList, undefined)]);
      view.next({ state: 'ready', runs: runs.runs, jobNames: Object.fromEntries(jobs.jobs.map((job) => [job.id, job.name])) });
    } catch {
      view.next({ ...view.value, state: 'unavailable' });
    }
  });
  link.addFeature({ attach: (client) => [client.onNotification(JobsRunsChanged, () => void load())], detached: () => {} });
  let connected = false;
  link.status$.subscribe((status) => {
    if (status.connection === 'connected' && !connected) void load();
    connected = status.connection === 'connected';
  });
  return {
    runs$: () => view.asObservable(),
    refresh: async () => {
      await load();
      return view.value;
    },
  };
}
