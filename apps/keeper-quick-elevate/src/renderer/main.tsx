import { QuickElevateService } from '../../../../shared/bridge/src/common/services/quickElevate.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';
import { bootstrapWindow } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { followBridge } from '../../../../shared/ui/src/followBridge.ts';
import { App } from './App.tsx';
import { quickElevateActions } from './store.ts';
import './quickElevate.css';

bootstrapWindow('quickElevate', App);

followBridge(quickElevateActions, (transport, failed) => {
  const service = createServiceClient(QuickElevateService, transport);
  quickElevateActions.connected(service);
  service.progress$({ next: quickElevateActions.progressChanged, error: failed });
  service.choices$({ next: quickElevateActions.choicesChanged, error: failed });
});
