import type { ComponentType } from 'react';
import type { Namespace } from '../../i18n/src/resources.ts';
import type { PROMPT_SERVICES } from '../../bridge/src/common/services/prompts.ts';
import type { BridgeTransport } from '../../bridge/src/renderer/bridgeTransport.ts';
import { PROMPT_QUEUE_MEMBER, promptChannel } from '../../bridge/src/common/promptChannels.ts';
import { openWebShellSocket } from '../../bridge/src/renderer/webShellSocket.ts';
import type { WindowProps } from './bootstrapWindow.tsx';
import type { PromptSlice } from './promptStore.ts';
import { startWindowTranslations, windowLog } from './windowTranslations.ts';

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
 * socket opens at once and subscribes to the queue as soon as it is open, and the window's
 * translations are asked for, so the handshake, the queue's first answer and the translations overlap
 * the rest of the start: the renderer (Preact's compat layer in a built prompt window) and i18next
 * (`bootstrapWindow`) and the bridge with its checks (`promptBridge`) load as chunks of their own.
 */
export function startPromptWindow({ namespace, App, kind, store, connected }: PromptWindowStart): void {
  const socket = window.service ? null : openWebShellSocket(window.location, { channel: promptChannel(kind), member: PROMPT_QUEUE_MEMBER });
  const translations = startWindowTranslations(namespace);
  // Not left unhandled while the chunks load; bootstrapWindow and followPrompts report the failures.
  for (const pending of [socket, translations]) pending?.catch(() => {});
  const state = store.getState();
  void import('./bootstrapWindow.tsx').then(
    ({ bootstrapWindow }) => bootstrapWindow(namespace, App, translations),
    (error: Error) => windowLog(namespace)(`cannot start: ${error.message}`),
  );
  void import('./promptBridge.ts').then(
    ({ followPrompts }) => followPrompts({ kind, socket, state, connected }),
    (error: Error) => state.bridgeFailed(error.message),
  );
}
