import { PROMPT_QUEUE_MEMBER, promptChannel } from '../common/promptChannels.ts';
import type { ServiceClient } from '../common/serviceDescriptor.ts';
import type { PromptServiceDescriptor, PROMPT_SERVICES } from '../common/services/prompts.ts';
import type { BridgeTransport } from './bridgeTransport.ts';
import { checkPromptQueueView, checkPromptRespondResult } from './promptChecks.ts';

/**
 * A prompt window's client of its kind's prompt service (services/prompts.ts), as createServiceClient
 * would make it, but checking what main sends with promptChecks.ts instead of the zod schemas: the
 * schemas and zod are the largest script a cold prompt window would evaluate before its prompt shows.
 */
export function createPromptClient(kind: keyof typeof PROMPT_SERVICES, transport: BridgeTransport): ServiceClient<PromptServiceDescriptor> {
  const channel = promptChannel(kind);
  return {
    [PROMPT_QUEUE_MEMBER]: (observer) =>
      transport.subscribe(channel, PROMPT_QUEUE_MEMBER, [], {
        next: (value) => {
          let queue;
          try {
            queue = checkPromptQueueView(value, '');
          } catch (error) {
            return observer.error?.(new Error(`invalid value from ${channel}.${PROMPT_QUEUE_MEMBER}: ${(error as Error).message}`));
          }
          observer.next(queue);
        },
        error: (error) => observer.error?.(error),
      }),
    respond: async (promptId, response) => checkPromptRespondResult(await transport.call(channel, 'respond', [promptId, response]), 'the answer'),
  };
}
