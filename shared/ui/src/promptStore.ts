import type { ComponentType } from 'react';
import type { StateCreator } from 'zustand';
import type { Namespace } from '../../i18n/src/resources.ts';
import type { PromptRespondResult, PromptResponse, PromptShow } from '../../protocol/src/common/methods/prompt.ts';
import type { ServiceClient } from '../../bridge/src/common/serviceDescriptor.ts';
import type { PROMPT_SERVICES, PromptQueueView, PromptServiceDescriptor } from '../../bridge/src/common/services/prompts.ts';
import type { BridgeTransport } from '../../bridge/src/renderer/bridgeTransport.ts';
import { PROMPT_QUEUE_MEMBER, promptChannel } from '../../bridge/src/common/promptChannels.ts';
import { openWebShellSocket } from '../../bridge/src/renderer/webShellSocket.ts';
import type { WindowProps } from './bootstrapWindow.tsx';
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

export interface PromptWindowStart {
  readonly namespace: Namespace;
  readonly App: ComponentType<WindowProps>;
  /** The prompt kind the window answers, through that kind's prompt service. */
  readonly kind: keyof typeof PROMPT_SERVICES;
  readonly store: { getState(): PromptSlice };
  /** Loads what connects the window's further services over the same transport. */
  readonly connected?: () => Promise<(transport: BridgeTransport) => void>;
}

/**
 * Starts a prompt window: renders it, then follows its kind's queue over the bridge. The web shell's
 * socket opens at once and subscribes to the queue as soon as it is open, so the handshake (which
 * trades the launch nonce) and the queue's first answer overlap the rest of the start: React's DOM
 * renderer and i18next (`bootstrapWindow`) are a chunk of their own, evaluated after the socket has
 * started instead of before; the bridge's code, the schemas and zod load as another chunk meanwhile,
 * off the path to the first frame.
 */
export function startPromptWindow({ namespace, App, kind, store, connected }: PromptWindowStart): void {
  const socket = window.service ? null : openWebShellSocket(window.location, { channel: promptChannel(kind), member: PROMPT_QUEUE_MEMBER });
  // Not left unhandled while the bridge's chunk loads; followPrompts reports the failure.
  socket?.catch(() => {});
  const state = store.getState();
  void import('./bootstrapWindow.tsx').then(
    ({ bootstrapWindow }) => bootstrapWindow(namespace, App),
    (error: Error) => console.error(`Keeper ${namespace} window: cannot start: ${error.message}`),
  );
  void import('./promptBridge.ts').then(
    ({ followPrompts }) => followPrompts({ kind, socket, state, connected }),
    (error: Error) => state.bridgeFailed(error.message),
  );
}
