import { ApproverQueueService } from '../../../../shared/bridge/src/common/services/approverQueue.ts';
import { connectBridge } from '../../../../shared/bridge/src/renderer/connectBridge.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';
import { bootstrapWindow } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { App } from './App.tsx';
import { approverActions } from './store.ts';
import { setApproverService } from './decisions.ts';
import './approver.css';

bootstrapWindow('approver', App);

connectBridge().then(
  (transport) => {
    approverActions.bridgeReady();
    transport.onDisconnect(approverActions.bridgeLost);
    const service = createServiceClient(ApproverQueueService, transport);
    setApproverService(service);
    const failed = (error: Error) => approverActions.bridgeFailed(error.message);
    service.queue$({ next: approverActions.queueChanged, error: failed });
    service.settings$({ next: approverActions.settingsChanged, error: failed });
  },
  (error: Error) => approverActions.bridgeFailed(error.message),
);
