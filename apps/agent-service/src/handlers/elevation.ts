import { ElevationHistory, ElevationInput, ElevationRequest, ElevationRun, ElevationStatus } from '../../../../shared/protocol/src/common/index.ts';
import type { RunService } from '../elevation/runService.ts';
import type { ElevationService } from '../elevation/elevationService.ts';
import { route, type RegisteredHandler } from '../ipc/agentConnection.ts';

export function elevationHandlers(elevation: ElevationService, runs: RunService): RegisteredHandler[] {
  return [
    route(ElevationRequest, async (params, context) => {
      const result = await elevation.request(params, context.peer, context.connectionId);
      // Run at once only what is allowed now, through elevation.run's own path: a pending request is run
      // with elevation.run once its prompts pass, a denied one never.
      if (params.run === undefined || result.state !== 'allowed') return result;
      return { ...result, run: await runs.run(context, result.requestId, params.run.term) };
    }),
    route(ElevationStatus, (params, context) => elevation.status(params.requestId, context.peer)),
    route(ElevationRun, (params, context) => runs.run(context, params.requestId, params.term)),
    route(ElevationInput, (params, context) => runs.input(context, params)),
    route(ElevationHistory, (params, context) => ({ requests: elevation.history(context.peer, params?.limit ?? 20) })),
  ];
}
