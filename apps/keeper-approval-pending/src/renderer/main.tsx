import { ApprovalPendingPromptService } from '../../../../shared/bridge/src/common/services/prompts.ts';
import { startPromptWindow } from '../../../../shared/ui/src/promptStore.ts';
import { App } from './App.tsx';
import { useApprovalPendingWindow } from './store.ts';

startPromptWindow({ namespace: 'approvalPending', App, service: ApprovalPendingPromptService, store: useApprovalPendingWindow });
