import { TrayService } from '../../../../shared/bridge/src/common/services/tray.ts';
import { connectBridge } from '../../../../shared/bridge/src/renderer/connectBridge.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';
import { bootstrapWindow } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { App } from './App.tsx';
import { clientWindowActions } from './store.ts';
import './client.css';

bootstrapWindow('client', App);

connectBridge().then(
  (transport) => {
    clientWindowActions.bridgeReady();
    transport.onDisconnect(clientWindowActions.bridgeLost);
    const tray = createServiceClient(TrayService, transport);
    clientWindowActions.setActivate((id) => tray.activate(id));
    tray.view$({ next: clientWindowActions.viewChanged, error: (error) => clientWindowActions.bridgeFailed(error.message) });
  },
  (error: Error) => clientWindowActions.bridgeFailed(error.message),
);
