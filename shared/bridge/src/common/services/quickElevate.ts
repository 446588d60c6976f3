import * as z from 'zod';
import { DecisionSummary, ElevationState, PromptControlName, ReasonDetail } from '../../../../protocol/src/common/methods/elevation.ts';
import { call, defineService, stream } from '../serviceDescriptor.ts';
import { ElevationProblem } from './elevationProblem.ts';

/** What the user typed, as a shell would split it: at most one line, nothing empty. */
export const CommandText = z
  .string()
  .trim()
  .min(1)
  .max(4096)
  .refine((text) => !/[\r\n\0]/.test(text), 'one line');

export const QuickElevateChoice = z.object({
  executable: z.string(),
  arguments: z.array(z.string()),
  /** The command line as the user would type it. */
  commandLine: z.string(),
  /** A display name (the application's name for installed applications). */
  name: z.string(),
});
export type QuickElevateChoice = z.infer<typeof QuickElevateChoice>;

export const QuickElevateChoices = z.object({
  recent: z.array(QuickElevateChoice),
  /** Installed applications a policy of this user names specifically and does not deny. */
  allowed: z.array(QuickElevateChoice),
  /** Why `allowed` could not be worked out (agent away, or no policy.explain), if so. */
  allowedProblem: ElevationProblem.nullable(),
});
export type QuickElevateChoices = z.infer<typeof QuickElevateChoices>;

/** Why a command could not be previewed or submitted. */
const refused = z.object({ ok: z.literal(false), problem: ElevationProblem });

export const QuickElevatePreview = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    choice: QuickElevateChoice,
    decision: DecisionSummary,
    /** Names of the policies that decide. */
    policies: z.array(z.string()),
  }),
  refused,
]);
export type QuickElevatePreview = z.infer<typeof QuickElevatePreview>;

export const QuickElevateSubmitted = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), requestId: z.string() }), refused]);
export type QuickElevateSubmitted = z.infer<typeof QuickElevateSubmitted>;

/** One quick-elevate request from asking to its end. */
export const QuickElevateProgress = z.object({
  requestId: z.string(),
  commandLine: z.string(),
  /** The agent's decision, then what running it did. */
  phase: z.enum(['pending', 'denied', 'starting', 'running', 'exited', 'failed']),
  decision: ElevationState,
  currentControl: PromptControlName.nullable(),
  passed: z.array(PromptControlName),
  /** The agent's words on its decision: the policy's message when denied. */
  reason: z.string(),
  /** `reason` as a code plus values for the window to word; null when the agent gave none (an older agent). */
  reasonDetail: ReasonDetail.nullable(),
  /** Why it failed or ended badly, for the window to word (`failed`, or `exited` not cleanly). */
  problem: ElevationProblem.nullable(),
  pid: z.number().int().positive().nullable(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** The last lines the program printed (stdout and stderr together), for short commands. */
  outputTail: z.string(),
  updatedAt: z.iso.datetime(),
});
export type QuickElevateProgress = z.infer<typeof QuickElevateProgress>;

/**
 * Quick-elevate from the tray: pick a recent or allowed application or type a command, see which
 * controls policy will ask for (`policy.explain`), submit (`elevation.request`), follow progress.
 */
export const QuickElevateService = defineService('keeper.quickElevate', {
  /** Recent and allowed applications: the last known lists at once, then each change. */
  choices$: stream(z.tuple([]), QuickElevateChoices),
  preview: call(z.tuple([CommandText]), QuickElevatePreview),
  submit: call(z.tuple([CommandText]), QuickElevateSubmitted),
  /** This session's quick-elevate requests, newest first, on every change. */
  progress$: stream(z.tuple([]), z.array(QuickElevateProgress)),
});
