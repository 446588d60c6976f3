import { startPromptWindow } from '../../../../shared/ui/src/startPromptWindow.ts';
import { App } from './App.tsx';
import { useApprovalPendingWindow } from './store.ts';

startPromptWindow({ namespace: 'approvalPending', App, kind: 'approval', store: useApprovalPendingWindow });
