import * as z from 'zod';
import { ReasonDetail } from '../../../../protocol/src/common/methods/elevation.ts';

/**
 * Why quick-elevate or Keeper.NetworkConnections could not do something, as a code the window
 * translates (`problem.<code>` in its namespace) with its values. The raw text behind it (an error
 * message, a tool's output) stays in main's log: it is English and meant for whoever debugs.
 */
export const ElevationProblemCode = z.enum([
  /** The agent is not connected, or did not answer in time. */
  'agent-unavailable',
  /** The agent went away while the request or its program was under way. */
  'agent-gone',
  /** The agent is older than this suite and lacks what was asked (`policy.explain`). */
  'agent-unsupported',
  'agent-unauthorized',
  /** The grant to run an allowed request ran out before it was run. */
  'agent-expired',
  /** The request changed under us: already run, or the program changed since the decision. */
  'agent-conflict',
  'agent-offline',
  'agent-busy',
  /** Any other refusal of the agent; `code` is its error code. */
  'agent-error',
  /** `command` is not a program on PATH. */
  'command-not-found',
  'unclosed-quote',
  /** The system tool `tool` (ip, nmcli) is not installed. */
  'tool-missing',
  /** There is no network interface `name`. */
  'no-interface',
  /** The program ended with exit code `code`. */
  'exit-code',
  /** The program was ended by signal `signal`. */
  'signal',
  /** NetworkManager's nmcli is not installed. */
  'nmcli-missing',
  /** nmcli is installed but failed (NetworkManager not running, …). */
  'nmcli-failed',
]);
export type ElevationProblemCode = z.infer<typeof ElevationProblemCode>;

export const ElevationProblem = z.object({
  code: ElevationProblemCode,
  values: z.record(z.string(), z.union([z.string(), z.number()])),
  /** The agent's own coded reason for a refusal (a file not readable by the caller, …): shown instead of the code's words. */
  reasonDetail: ReasonDetail.optional(),
});
export type ElevationProblem = z.infer<typeof ElevationProblem>;
