import type { AuditLog } from '../audit/auditLog.ts';
import { promptHandlers } from '../handlers/prompt.ts';
import type { ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import type { Notifier } from '../ipc/notifier.ts';
import { childLogger, type Logger } from '../log/logger.ts';
import type { AgentFeature } from '../runtime/agentFeature.ts';
import type { Clock, Scheduler } from '../time/clock.ts';
import { PromptBroker } from './promptBroker.ts';

export interface PromptsFeature extends AgentFeature {
  readonly broker: PromptBroker;
}

/** The prompt broker (prompts on the requesting user's desktops) and `prompt.respond`; open prompts close with agentStopping at stop. */
export function createPrompts(deps: {
  registry: ConnectionRegistry;
  notifier: Notifier;
  audit: AuditLog;
  clock: Clock;
  scheduler: Scheduler;
  log: Logger;
}): PromptsFeature {
  const broker = new PromptBroker({ ...deps, log: childLogger(deps.log, 'prompts') });
  return { name: 'prompts', broker, handlers: promptHandlers(broker), dispose: () => broker.closeAll() };
}
