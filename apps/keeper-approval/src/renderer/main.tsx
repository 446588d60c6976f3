import { startPromptWindow } from '../../../../shared/ui/src/promptStore.ts';
import { App } from './App.tsx';
import { useApprovalWindow } from './store.ts';

startPromptWindow({ namespace: 'approval', App, kind: 'operatorApproval', store: useApprovalWindow });
