import { QuickElevateService } from '../../../../shared/bridge/src/common/services/quickElevate.ts';
import { connectBridge } from '../../../../shared/bridge/src/renderer/connectBridge.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';
import { bootstrapWindow } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { App } from './App.tsx';
import { quickElevateActions } from './store.ts';
import './quickElevate.css';

bootstrapWindow('quickElevate', App);

connectBridge().then(
  (transport) => {
    const service = createServiceClient(QuickElevateService, transport);
    quickElevateActions.bridgeReady(service);
    transport.onDisconnect(quickElevateActions.bridgeLost);
    service.progress$({ next: quickElevateActions.progressChanged, error: (error) => quickElevateActions.bridgeFailed(error.message) });
    service.choices$({ next: quickElevateActions.choicesChanged, error: (error) => quickElevateActions.bridgeFailed(error.message) });
  },
  (error: Error) => quickElevateActions.bridgeFailed(error.message),
);
