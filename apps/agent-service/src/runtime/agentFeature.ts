import type { RegisteredHandler } from '../ipc/agentConnection.ts';
import type { Disposable } from './disposableStore.ts';

/**
 * One part of the agent as `create<Feature>(deps)` builds it: the protocol methods it serves, what it
 * starts once the socket is up (if anything), and what it releases at stop. The composition root
 * (`agentRuntime.ts`) registers each feature once in its DisposableStore.
 */
export interface AgentFeature extends Disposable {
  readonly name: string;
  readonly handlers: readonly RegisteredHandler[];
  start?(): void | Promise<void>;
}
