import { ElevationRequest, ElevationStatus, PromptRespond } from '../../../../shared/protocol/src/common/index.ts';
import type { ElevationService } from '../elevation/elevationService.ts';
import { route, type RegisteredHandler } from '../ipc/agentConnection.ts';
import type { PromptBroker } from '../prompts/promptBroker.ts';

export function elevationHandlers(elevation: ElevationService, broker: PromptBroker): RegisteredHandler[] {
  return [
    route(ElevationRequest, (params, context) => elevation.request(params, context.peer)),
    route(ElevationStatus, (params, context) => elevation.status(params.requestId, context.peer)),
    route(PromptRespond, (params, context) => broker.respond(context, params.promptId, params.response)),
  ];
}
