import * as z from 'zod';
import { AgentPermissions, LogLevel } from '../../../../protocol/src/common/methods/agent.ts';
import { ElevationRequestParams } from '../../../../protocol/src/common/methods/elevation.ts';
import { Grant } from '../../../../protocol/src/common/methods/grants.ts';
import { ElevationHistoryEntry } from '../../../../protocol/src/common/methods/elevation.ts';
import { MfaStatusResult } from '../../../../protocol/src/common/methods/mfa.ts';
import { PolicyExplain } from '../../../../protocol/src/common/methods/policy.ts';
import { call, defineService, stream } from '../serviceDescriptor.ts';

/**
 * Why the agent did not do what the window asked, as the window tells the user (bridge errors carry
 * only a message, so main turns the agent's error codes into these).
 */
export const AgentDetailsProblem = z.enum(['not-found', 'not-allowed', 'already-ended', 'invalid', 'unavailable']);
export type AgentDetailsProblem = z.infer<typeof AgentDetailsProblem>;

const outcome = <T extends z.ZodType>(value: T) =>
  z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), value }), z.object({ ok: z.literal(false), problem: AgentDetailsProblem })]);

/** The "why" form: the program (absolute path) and its arguments, as the renderer split them. */
export const ExplainInput = ElevationRequestParams.pick({ executable: true, arguments: true });
export type ExplainInput = z.infer<typeof ExplainInput>;

export const AgentDetails = z.object({
  permissions: AgentPermissions,
  mfa: MfaStatusResult,
  grants: z.array(Grant),
  history: z.array(ElevationHistoryEntry),
});
export type AgentDetails = z.infer<typeof AgentDetails>;

export const ExplainOutcome = outcome(PolicyExplain.result);
export type ExplainOutcome = z.infer<typeof ExplainOutcome>;

/**
 * The KeeperAgent window's view of this user's own state at the agent, for the user of this desktop
 * session (the agent knows who from the socket): permissions, MFA sessions, elevated sessions, recent
 * requests (live); plus the log level switch, revoking a session and the "why" view (`policy.explain`).
 */
export const AgentDetailsService = defineService('keeper.agentDetails', {
  load: call(z.tuple([]), outcome(AgentDetails)),
  /** This user's recent requests again, whenever one is made (from any client) or changes. */
  history$: stream(z.tuple([]), z.array(ElevationHistoryEntry)),
  explain: call(z.tuple([ExplainInput]), ExplainOutcome),
  setLogLevel: call(z.tuple([LogLevel]), outcome(z.object({ level: LogLevel }))),
  revokeGrant: call(z.tuple([z.string().min(1).max(100)]), outcome(Grant)),
});
