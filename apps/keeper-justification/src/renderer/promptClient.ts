import type { JustificationPromptService } from '../../../../shared/bridge/src/common/services/prompts.ts';
import type { ServiceClient } from '../../../../shared/bridge/src/common/serviceDescriptor.ts';

type Client = ServiceClient<typeof JustificationPromptService>;
let client: Client | null = null;

/** Set once the bridge is up; answering before that is impossible (the form is not shown). */
export function setPromptClient(value: Client): void {
  client = value;
}

export function promptClient(): Client {
  if (!client) throw new Error('the bridge to the desktop app is not ready');
  return client;
}
