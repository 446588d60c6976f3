import { MessagePromptService } from '../../../../shared/bridge/src/common/services/prompts.ts';
import { startPromptWindow } from '../../../../shared/ui/src/promptStore.ts';
import { App } from './App.tsx';
import { useMessageWindow } from './store.ts';

startPromptWindow({ namespace: 'message', App, service: MessagePromptService, store: useMessageWindow });
