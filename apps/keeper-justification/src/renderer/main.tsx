import { JustificationPromptService } from '../../../../shared/bridge/src/common/services/prompts.ts';
import { connectBridge } from '../../../../shared/bridge/src/renderer/connectBridge.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';
import { bootstrapWindow } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { App } from './App.tsx';
import { justificationActions } from './store.ts';
import { setPromptClient } from './promptClient.ts';

bootstrapWindow('justification', App);

connectBridge().then(
  (transport) => {
    justificationActions.bridgeReady();
    transport.onDisconnect(justificationActions.bridgeLost);
    const prompts = createServiceClient(JustificationPromptService, transport);
    setPromptClient(prompts);
    prompts.queue$({ next: justificationActions.queueChanged, error: (error) => justificationActions.bridgeFailed(error.message) });
  },
  (error: Error) => justificationActions.bridgeFailed(error.message),
);
