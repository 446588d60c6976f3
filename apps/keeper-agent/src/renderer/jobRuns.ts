import { create } from 'zustand';
import { JobRunsService, type JobRunsView } from '../../../../shared/bridge/src/common/services/jobRuns.ts';
import type { BridgeTransport } from '../../../../shared/bridge/src/renderer/bridgeTransport.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';

export const useJobRuns = create<{ view: JobRunsView | null; refresh: () => void }>()(() => ({ view: null, refresh: () => {} }));

/** Follows the recent job runs main keeps for this window; called once the bridge is up. */
export function connectJobRuns(transport: BridgeTransport): void {
  const service = createServiceClient(JobRunsService, transport);
  useJobRuns.setState({
    refresh: () => {
      service.refresh().then(
        (view) => useJobRuns.setState({ view }),
        () => {},
      );
    },
  });
  service.runs$({ next: (view) => useJobRuns.setState({ view }), error: () => {} });
}
