import { PROMPT_QUEUE_MEMBER, promptChannel } from '../common/promptChannels.ts';
import type { ServiceClient } from '../common/serviceDescriptor.ts';
import type { PromptServiceDescriptor, PROMPT_SERVICES } from '../common/services/prompts.ts';
import type { BridgeTransport } from './bridgeTransport.ts';
import { createCheckedClient } from './checkedClient.ts';
import { checkPromptQueueView, checkPromptRespondResult } from './promptChecks.ts';

/**
 * A prompt window's client of its kind's prompt service (services/prompts.ts), as createServiceClient
 * would make it, but checking what main sends with promptChecks.ts instead of the zod schemas: the
 * schemas and zod are the largest script a cold prompt window would evaluate before its prompt shows.
 */
export function createPromptClient(kind: keyof typeof PROMPT_SERVICES, transport: BridgeTransport): ServiceClient<PromptServiceDescriptor> {
  const client = createCheckedClient(
    promptChannel(kind),
    {
      [PROMPT_QUEUE_MEMBER]: { kind: 'stream', check: (value) => checkPromptQueueView(value, '') },
      respond: { kind: 'call', check: (value) => checkPromptRespondResult(value, 'the answer') },
    },
    transport,
  );
  return client as ServiceClient<PromptServiceDescriptor>;
}
