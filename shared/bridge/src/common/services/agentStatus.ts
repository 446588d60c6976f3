import * as z from 'zod';
import { AgentStatus } from '../../../../protocol/src/common/methods/agent.ts';
import { call, defineService, stream } from '../serviceDescriptor.ts';

export const AgentConnectionState = z.enum(['connecting', 'connected', 'disconnected']);

/** Main's view of the agent: the link state plus the last status the agent reported. */
export const AgentStatusView = z.object({
  connection: AgentConnectionState,
  status: AgentStatus.nullable(),
  /** Why the link is down, in words fit for a log line (no secrets). */
  lastError: z.string().nullable(),
  changedAt: z.iso.datetime(),
});
export type AgentStatusView = z.infer<typeof AgentStatusView>;
export type AgentConnectionState = z.infer<typeof AgentConnectionState>;

export const AgentStatusService = defineService('keeper.agentStatus', {
  /** The current view, then every change. */
  status$: stream(z.tuple([]), AgentStatusView),
  /** Asks the agent for a fresh status now (e.g. after the user presses Refresh). */
  refresh: call(z.tuple([]), AgentStatusView),
});
