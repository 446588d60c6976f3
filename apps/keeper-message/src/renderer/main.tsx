import { startPromptWindow } from '../../../../shared/ui/src/startPromptWindow.ts';
import { App } from './App.tsx';
import { useMessageWindow } from './store.ts';

startPromptWindow({ namespace: 'message', App, kind: 'message', store: useMessageWindow });
