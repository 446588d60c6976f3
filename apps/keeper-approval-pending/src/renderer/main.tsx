import { startPromptWindow } from '../../../../shared/ui/src/promptStore.ts';
import { App } from './App.tsx';
import { useApprovalPendingWindow } from './store.ts';

startPromptWindow({ namespace: 'approvalPending', App, kind: 'approval', store: useApprovalPendingWindow });
