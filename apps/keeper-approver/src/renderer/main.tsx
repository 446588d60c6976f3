import { ApproverQueueService } from '../../../../shared/bridge/src/common/services/approverQueue.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';
import { bootstrapWindow } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { followBridge } from '../../../../shared/ui/src/followBridge.ts';
import { App } from './App.tsx';
import { approverActions } from './store.ts';
import { setApproverService } from './decisions.ts';
import './approver.css';

bootstrapWindow('approver', App);

followBridge(approverActions, (transport, failed) => {
  const service = createServiceClient(ApproverQueueService, transport);
  setApproverService(service);
  service.queue$({ next: approverActions.queueChanged, error: failed });
  service.settings$({ next: approverActions.settingsChanged, error: failed });
});
