import { startPromptWindow } from '../../../../shared/ui/src/startPromptWindow.ts';
import { App } from './App.tsx';
import { useJustificationWindow } from './store.ts';

startPromptWindow({ namespace: 'justification', App, kind: 'justification', store: useJustificationWindow });
