import type { StateCreator } from 'zustand';
import type { PromptRespondResult, PromptResponse, PromptShow } from '../../protocol/src/common/methods/prompt.ts';
import type { ServiceClient } from '../../bridge/src/common/serviceDescriptor.ts';
import type { PromptQueueView, PromptServiceDescriptor } from '../../bridge/src/common/services/prompts.ts';
import { BRIDGE_CONNECTING, createBridgeActions, type BridgeActions, type BridgeSlice } from './bridgeSlice.ts';

export type PromptClient = ServiceClient<PromptServiceDescriptor>;

/** The slice every prompt window's store starts from: the bridge, the queue of its kind, answers. */
export interface PromptSlice extends BridgeSlice, BridgeActions {
  queue: PromptQueueView;
  /** Prompt ids this window answered, so a late update never shows them again. */
  answered: readonly string[];
  prompts: PromptClient | null;
  /** The window's prompt service, once the bridge is there. */
  promptsConnected: (prompts: PromptClient) => void;
  queueChanged: (queue: PromptQueueView) => void;
  /** Sends one answer; an accepted one (a cancel included) marks the prompt answered here. */
  respond: (promptId: string, response: PromptResponse) => Promise<PromptRespondResult>;
}

export const createPromptSlice: StateCreator<PromptSlice> = (set, get) => ({
  ...BRIDGE_CONNECTING,
  queue: { current: null, waiting: 0 },
  answered: [],
  prompts: null,
  ...createBridgeActions(set),
  promptsConnected: (prompts) => set({ prompts }),
  queueChanged: (queue) => set({ queue }),
  respond: async (promptId, response) => {
    const prompts = get().prompts;
    if (!prompts) throw new Error('the bridge to the desktop app is not ready');
    const result = await prompts.respond(promptId, response);
    if (result.accepted) set((state) => ({ answered: [...state.answered, promptId] }));
    return result;
  },
});

/** The prompt to show now: the queue's head, unless this window has answered it already. */
export function currentPrompt(state: Pick<PromptSlice, 'queue' | 'answered'>): PromptShow | null {
  const current = state.queue.current;
  return current && !state.answered.includes(current.promptId) ? current : null;
}
