import { NetworkConnectionsService } from '../../../../shared/bridge/src/common/services/networkConnections.ts';
import { WindowLaunchService } from '../../../../shared/bridge/src/common/services/windowLaunch.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';
import { bootstrapWindow } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { followBridge } from '../../../../shared/ui/src/followBridge.ts';
import { App } from './App.tsx';
import { networkActions } from './store.ts';

bootstrapWindow('network', App);

followBridge(networkActions, (transport, failed) => {
  networkActions.connected(createServiceClient(NetworkConnectionsService, transport));
  networkActions.refresh().catch(failed);
  createServiceClient(WindowLaunchService, transport).parameters$({ next: networkActions.launched, error: failed });
});
