import { startPromptWindow } from '../../../../shared/ui/src/startPromptWindow.ts';
import { App } from './App.tsx';
import { useApprovalWindow } from './store.ts';

startPromptWindow({ namespace: 'approval', App, kind: 'operatorApproval', store: useApprovalWindow });
