import type { ServiceClient } from '../../bridge/src/common/serviceDescriptor.ts';
import type { PROMPT_SERVICES, PromptQueueView, PromptServiceDescriptor } from '../../bridge/src/common/services/prompts.ts';
import type { BridgeTransport } from '../../bridge/src/renderer/bridgeTransport.ts';
import { electronTransport } from '../../bridge/src/renderer/electronTransport.ts';
import { createPromptClient } from '../../bridge/src/renderer/promptClient.ts';
import { webShellTransport } from '../../bridge/src/renderer/webShellTransport.ts';
import type { BridgeSocket } from '../../bridge/src/renderer/webShellSocket.ts';
import type { BridgeActions } from './bridgeSlice.ts';

/** What following the prompts changes in the window's store (its PromptSlice). */
export interface PromptFollower extends BridgeActions {
  promptsConnected: (prompts: ServiceClient<PromptServiceDescriptor>) => void;
  queueChanged: (queue: PromptQueueView) => void;
}

export interface FollowPrompts {
  readonly kind: keyof typeof PROMPT_SERVICES;
  /** The web shell socket the window opened at start (its queue subscribed); null in Electron (the preload's services). */
  readonly socket: Promise<BridgeSocket> | null;
  readonly state: PromptFollower;
  readonly connected?: () => Promise<(transport: BridgeTransport) => void>;
}

/** The lazily loaded half of a prompt window's start: the bridge, its kind's queue, further services. */
export async function followPrompts({ kind, socket, state, connected }: FollowPrompts): Promise<void> {
  try {
    const [open, connect] = await Promise.all([socket, connected?.()]);
    const transport = open ? webShellTransport(open) : electronTransport(window.service ?? {});
    const prompts = createPromptClient(kind, transport);
    state.promptsConnected(prompts);
    state.bridgeReady();
    transport.onDisconnect(state.bridgeLost);
    // Further services first: a prompt's view may use them as soon as it shows.
    connect?.(transport);
    prompts.queue$({ next: state.queueChanged, error: (error) => state.bridgeFailed(error.message) });
  } catch (error) {
    state.bridgeFailed((error as Error).message);
  }
}
