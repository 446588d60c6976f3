import { PromptRespond } from '../../../../shared/protocol/src/common/index.ts';
import { route, type RegisteredHandler } from '../ipc/agentConnection.ts';
import type { PromptBroker } from '../prompts/promptBroker.ts';

/** A prompt's answer; the broker accepts it only from the prompt's own user. */
export function promptHandlers(broker: PromptBroker): RegisteredHandler[] {
  return [route(PromptRespond, (params, context) => broker.respond(context, params.promptId, params.response))];
}
