import { AgentError, AgentErrorCodes, JsonRpcErrorCodes, ReasonDetail } from '../../../../../shared/protocol/src/common/index.ts';
import type { ElevationProblem, ElevationProblemCode } from '../../../../../shared/bridge/src/common/services/elevationProblem.ts';

export const problem = (code: ElevationProblemCode, values: ElevationProblem['values'] = {}): ElevationProblem => ({ code, values });

/** What a failed agent call means for the user; the agent's own words go to the log. */
export function agentProblem(error: unknown): ElevationProblem {
  if (!(error instanceof AgentError)) return problem('agent-unavailable');
  const shown = problemOfCode(error.code);
  // A refusal the agent explains with a code (not readable by you, writable by others, …) is worded from that code.
  const detail = ReasonDetail.safeParse((error.data as { reasonDetail?: unknown } | undefined)?.reasonDetail);
  return detail.success ? { ...shown, reasonDetail: detail.data } : shown;
}

function problemOfCode(code: number): ElevationProblem {
  switch (code) {
    // The link's own failures (not connected, closed, timed out) carry InternalError.
    case JsonRpcErrorCodes.InternalError:
      return problem('agent-unavailable');
    case JsonRpcErrorCodes.MethodNotFound:
      return problem('agent-unsupported');
    case AgentErrorCodes.Unauthorized:
      return problem('agent-unauthorized');
    case AgentErrorCodes.Expired:
      return problem('agent-expired');
    case AgentErrorCodes.Conflict:
      return problem('agent-conflict');
    case AgentErrorCodes.Offline:
      return problem('agent-offline');
    case AgentErrorCodes.RateLimited:
    case AgentErrorCodes.TooManyRequests:
      return problem('agent-busy');
    default:
      return problem('agent-error', { code });
  }
}

/** Where main puts the raw text behind a problem (English, for whoever debugs): never a window. */
export type ProblemLog = (shown: ElevationProblem, raw: string) => void;

export const logToStderr: ProblemLog = (shown, raw) => {
  process.stderr.write(`keeper-desktop: ${shown.code}${Object.keys(shown.values).length > 0 ? ` ${JSON.stringify(shown.values)}` : ''}: ${raw}\n`);
};

/** The message of anything thrown, for the log. */
export const rawText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
