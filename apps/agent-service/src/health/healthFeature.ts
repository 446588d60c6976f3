import type { Logger } from '../log/logger.ts';
import type { AgentFeature } from '../runtime/agentFeature.ts';
import { Plugins } from '../status/plugins.ts';
import type { StatusService } from '../status/statusService.ts';
import type { Clock } from '../time/clock.ts';
import { AGENT_VERSION } from '../version.ts';
import { startHealthServer } from './healthServer.ts';

export interface HealthFeature extends AgentFeature {
  /** Where the endpoint listens, once started (undefined when its port was taken). */
  readonly url: string | undefined;
  /** Listens; a port that is taken marks the health plugin Failed instead of failing the start. */
  start(): Promise<void>;
}

/** `GET /health` on loopback, started once the socket serves. */
export function createHealth({ port, status, clock, log }: { port: number; status: StatusService; clock: Clock; log: Logger }): HealthFeature {
  let server: Awaited<ReturnType<typeof startHealthServer>> | null = null;
  return {
    name: 'health',
    handlers: [],
    get url() {
      return server?.url;
    },
    async start() {
      try {
        server = await startHealthServer({
          port,
          report: () => ({ healthy: status.snapshot().plugins.every((p) => p.state !== 'Failed'), version: AGENT_VERSION }),
          now: () => clock.now(),
        });
        status.setHealthUrl(server.url);
        status.setPlugin(Plugins.health, 'Healthy');
      } catch (error) {
        // The socket is the product's lifeline; a taken monitoring port degrades health reporting only.
        status.setPlugin(Plugins.health, 'Failed', `cannot listen on 127.0.0.1:${port}: ${(error as Error).message}`);
        log.error({ port, err: (error as Error).message }, 'health endpoint unavailable');
      }
    },
    dispose: async () => {
      await server?.close();
    },
  };
}
