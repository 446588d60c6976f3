import { AgentDetailsService } from '../../../../shared/bridge/src/common/services/agentDetails.ts';
import { AgentStatusService } from '../../../../shared/bridge/src/common/services/agentStatus.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';
import { bootstrapWindow } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { followBridge } from '../../../../shared/ui/src/followBridge.ts';
import { App } from './App.tsx';
import { detailsActions } from './detailsActions.ts';
import { connectJobRuns } from './jobRuns.ts';
import { agentWindowActions } from './store.ts';

bootstrapWindow('agent', App);

followBridge(agentWindowActions, (transport, failed) => {
  connectJobRuns(transport);
  const details = createServiceClient(AgentDetailsService, transport);
  details.history$({ next: agentWindowActions.historyChanged, error: failed });
  let connected = false;
  createServiceClient(AgentStatusService, transport).status$({
    next: (view) => {
      agentWindowActions.statusChanged(view);
      // The user's own details come from the agent: (re)load them whenever the agent (re)connects.
      if (view.connection === 'connected' && !connected) detailsActions.connect(details);
      connected = view.connection === 'connected';
    },
    error: failed,
  });
});
