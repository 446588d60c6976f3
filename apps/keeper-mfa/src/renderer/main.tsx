import { MfaEnrollmentService } from '../../../../shared/bridge/src/common/services/mfaEnrollment.ts';
import { MfaPromptService } from '../../../../shared/bridge/src/common/services/prompts.ts';
import { createServiceClient } from '../../../../shared/bridge/src/renderer/serviceClient.ts';
import { startPromptWindow } from '../../../../shared/ui/src/promptStore.ts';
import { App } from './App.tsx';
import { useMfaWindow } from './store.ts';

startPromptWindow({
  namespace: 'mfa',
  App,
  service: MfaPromptService,
  store: useMfaWindow,
  connected: (transport) => useMfaWindow.getState().enrollmentConnected(createServiceClient(MfaEnrollmentService, transport)),
});
