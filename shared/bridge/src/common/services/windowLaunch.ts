import * as z from 'zod';
import { defineService, stream } from '../serviceDescriptor.ts';

/** A program's path as a job names it: shown to the user as text, never run or opened. */
const ProgramPath = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[^\p{Cc}]+$/u, 'a path without control characters');

/** Everything any window can be opened with; each window takes only its own (WINDOW_LAUNCH_PARAMETERS). */
export const LaunchParameters = z
  .object({
    /** The program whose elevation was redirected to this window (the LaunchPrivilegeElevation job). */
    source: ProgramPath.optional(),
  })
  .strict();
export type LaunchParameters = z.infer<typeof LaunchParameters>;
export type LaunchParameterName = keyof LaunchParameters;

/**
 * What the presented window was opened with: a job's UserDesktop task may name parameters, which
 * main validates and keeps per window; opened anew (a second redirect, the tray), it gets the new ones.
 */
export const WindowLaunchService = defineService('keeper.windowLaunch', {
  parameters$: stream(z.tuple([]), LaunchParameters),
});
