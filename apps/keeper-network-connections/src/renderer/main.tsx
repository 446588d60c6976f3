import { NetworkConnectionsService } from '../../../../shared/bridge/src/common/services/networkConnections.ts';
import { connectBridge } from '../../../../shared/bridge/src/renderer/connectBridge.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';
import { bootstrapWindow } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { App } from './App.tsx';
import { networkActions } from './store.ts';

bootstrapWindow('network', App);

connectBridge().then(
  (transport) => {
    networkActions.bridgeReady(createServiceClient(NetworkConnectionsService, transport));
    transport.onDisconnect(networkActions.bridgeLost);
    networkActions.refresh().catch((error: Error) => networkActions.bridgeFailed(error.message));
  },
  (error: Error) => networkActions.bridgeFailed(error.message),
);
