import { TrayService } from '../../../../shared/bridge/src/common/services/tray.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';
import { bootstrapWindow } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { followBridge } from '../../../../shared/ui/src/followBridge.ts';
import { App } from './App.tsx';
import { clientWindowActions } from './store.ts';
import './client.css';

bootstrapWindow('client', App);

followBridge(clientWindowActions, (transport, failed) => {
  const tray = createServiceClient(TrayService, transport);
  clientWindowActions.setActivate((id) => tray.activate(id));
  tray.view$({ next: clientWindowActions.viewChanged, error: failed });
});
