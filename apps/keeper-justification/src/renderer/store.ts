import { create } from 'zustand';
import type { PromptQueueView } from '../../../../shared/bridge/src/common/services/prompts.ts';

export interface JustificationWindowState {
  bridge: 'connecting' | 'ready' | 'lost' | 'failed';
  bridgeError: string | null;
  queue: PromptQueueView;
  /** Prompt ids this window answered, so a late update never shows them again. */
  answered: readonly string[];
}

export const useJustificationWindow = create<JustificationWindowState>()(() => ({
  bridge: 'connecting',
  bridgeError: null,
  queue: { current: null, waiting: 0 },
  answered: [],
}));

export const justificationActions = {
  bridgeReady: () => useJustificationWindow.setState({ bridge: 'ready', bridgeError: null }),
  bridgeLost: () => useJustificationWindow.setState({ bridge: 'lost' }),
  bridgeFailed: (reason: string) => useJustificationWindow.setState({ bridge: 'failed', bridgeError: reason }),
  queueChanged: (queue: PromptQueueView) => useJustificationWindow.setState({ queue }),
  answered: (promptId: string) => useJustificationWindow.setState((s) => ({ answered: [...s.answered, promptId] })),
};
