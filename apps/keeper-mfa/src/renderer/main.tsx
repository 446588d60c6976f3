import { startPromptWindow } from '../../../../shared/ui/src/startPromptWindow.ts';
import { App } from './App.tsx';
import { useMfaWindow } from './store.ts';

startPromptWindow({
  namespace: 'mfa',
  App,
  kind: 'mfa',
  store: useMfaWindow,
  connected: () => import('./enrollmentBridge.ts').then((bridge) => bridge.connectEnrollment),
});
