import { ConnectionRegistry } from '../../apps/agent-service/src/ipc/connectionRegistry.ts';
import { Notifier } from '../../apps/agent-service/src/ipc/notifier.ts';
import { createLogger, type Logger } from '../../apps/agent-service/src/log/logger.ts';

/** The agent's connection registry with its notifier, as services take them; quiet unless given a logger. */
export function agentConnections(log: Logger = createLogger('Critical')): { registry: ConnectionRegistry; notifier: Notifier; log: Logger } {
  const registry = new ConnectionRegistry();
  return { registry, notifier: new Notifier({ registry, log }), log };
}
