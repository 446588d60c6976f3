import { AgentDetailsService } from '../../../../shared/bridge/src/common/services/agentDetails.ts';
import { AgentStatusService } from '../../../../shared/bridge/src/common/services/agentStatus.ts';
import { connectBridge } from '../../../../shared/bridge/src/renderer/connectBridge.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';
import { bootstrapWindow } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { App } from './App.tsx';
import { detailsActions } from './detailsActions.ts';
import { connectJobRuns } from './jobRuns.ts';
import { agentWindowActions } from './store.ts';

bootstrapWindow('agent', App);

connectBridge().then(
  (transport) => {
    agentWindowActions.bridgeReady();
    transport.onDisconnect(agentWindowActions.bridgeLost);
    connectJobRuns(transport);
    const details = createServiceClient(AgentDetailsService, transport);
    let connected = false;
    createServiceClient(AgentStatusService, transport).status$({
      next: (view) => {
        agentWindowActions.statusChanged(view);
        // The user's own details come from the agent: (re)load them whenever the agent (re)connects.
        if (view.connection === 'connected' && !connected) detailsActions.connect(details);
        connected = view.connection === 'connected';
      },
      error: (error) => agentWindowActions.bridgeFailed(error.message),
    });
  },
  (error: Error) => agentWindowActions.bridgeFailed(error.message),
);
