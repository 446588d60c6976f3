import { ElevationRequest } from '../../../../shared/protocol/src/common/index.ts';
import type { ElevationService } from '../elevation/elevationService.ts';
import { route, type RegisteredHandler } from '../ipc/agentConnection.ts';

export function elevationHandlers(elevation: ElevationService): RegisteredHandler[] {
  return [route(ElevationRequest, (params, context) => elevation.request(params, context.peer))];
}
