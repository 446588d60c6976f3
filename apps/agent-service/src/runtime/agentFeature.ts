import type { RegisteredHandler } from '../ipc/agentConnection.ts';
import type { Disposable } from './disposableStore.ts';

/**
 * One part of the agent as `create<Feature>(deps)` builds it: the protocol methods it serves and what it
 * releases at stop. The composition root (`agentRuntime.ts`) registers each feature once in its
 * DisposableStore; the few that start something once the socket is up (health, fleet, jobs) declare
 * their own `start()`, which the root calls by name.
 */
export interface AgentFeature extends Disposable {
  readonly name: string;
  readonly handlers: readonly RegisteredHandler[];
}
