import type { AgentDetailsService } from '../../../../shared/bridge/src/common/services/agentDetails.ts';
import type { ServiceClient } from '../../../../shared/bridge/src/common/serviceDescriptor.ts';
import type { LogLevel } from '../../../../shared/protocol/src/common/methods/agent.ts';
import { parseCommandLine } from './commandLine.ts';
import { agentWindowActions } from './store.ts';

let client: ServiceClient<typeof AgentDetailsService> | null = null;

/**
 * What the window asks of the agent through main: loading this user's details, the "why" view,
 * the log level switch and revoking an elevated session. Plain functions, so components only call.
 */
export const detailsActions = {
  connect(service: ServiceClient<typeof AgentDetailsService>): void {
    client = service;
    void detailsActions.reload();
  },

  async reload(): Promise<void> {
    if (!client) return;
    const result = await client.load().catch(() => ({ ok: false as const, problem: 'unavailable' as const }));
    if (result.ok) agentWindowActions.detailsLoaded(result.value);
    else agentWindowActions.detailsFailed(result.problem);
  },

  async explain(line: string): Promise<void> {
    const parsed = parseCommandLine(line);
    if (!parsed.ok) return agentWindowActions.why({ phase: 'failed', problem: parsed.problem });
    if (!client) return agentWindowActions.why({ phase: 'failed', problem: 'unavailable' });
    agentWindowActions.why({ phase: 'asking' });
    const result = await client
      .explain({ executable: parsed.executable, arguments: parsed.arguments })
      .catch(() => ({ ok: false as const, problem: 'unavailable' as const }));
    agentWindowActions.why(result.ok ? { phase: 'explained', explanation: result.value } : { phase: 'failed', problem: result.problem });
  },

  async setLogLevel(level: LogLevel): Promise<void> {
    if (!client) return;
    const result = await client.setLogLevel(level).catch(() => ({ ok: false as const, problem: 'unavailable' as const }));
    agentWindowActions.changed('logLevel', result.ok ? null : result.problem);
  },

  async revokeGrant(grantId: string): Promise<void> {
    if (!client) return;
    const result = await client.revokeGrant(grantId).catch(() => ({ ok: false as const, problem: 'unavailable' as const }));
    agentWindowActions.changed('revoke', result.ok ? null : result.problem);
    await detailsActions.reload();
  },
};
