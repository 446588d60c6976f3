import { JustificationPromptService } from '../../../../shared/bridge/src/common/services/prompts.ts';
import { startPromptWindow } from '../../../../shared/ui/src/promptStore.ts';
import { App } from './App.tsx';
import { useJustificationWindow } from './store.ts';

startPromptWindow({ namespace: 'justification', App, service: JustificationPromptService, store: useJustificationWindow });
