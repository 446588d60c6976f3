import { AgentStatusService } from '../../../../shared/bridge/src/common/services/agentStatus.ts';
import { connectBridge } from '../../../../shared/bridge/src/renderer/connectBridge.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';
import { bootstrapWindow } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { App } from './App.tsx';
import { agentWindowActions } from './store.ts';

bootstrapWindow('agent', App);

connectBridge().then(
  (transport) => {
    agentWindowActions.bridgeReady();
    transport.onDisconnect(agentWindowActions.bridgeLost);
    createServiceClient(AgentStatusService, transport).status$({
      next: agentWindowActions.statusChanged,
      error: (error) => agentWindowActions.bridgeFailed(error.message),
    });
  },
  (error: Error) => agentWindowActions.bridgeFailed(error.message),
);
