import { OperatorApprovalPromptService } from '../../../../shared/bridge/src/common/services/prompts.ts';
import { startPromptWindow } from '../../../../shared/ui/src/promptStore.ts';
import { App } from './App.tsx';
import { useApprovalWindow } from './store.ts';

startPromptWindow({ namespace: 'approval', App, service: OperatorApprovalPromptService, store: useApprovalWindow });
