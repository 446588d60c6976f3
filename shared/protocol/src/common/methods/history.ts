import * as z from 'zod';
import { defineRequest } from '../method.ts';
import { ElevationState, PromptControlName, ReceivedReasonDetail } from './elevation.ts';

export const ElevationHistoryEntry = z.object({
  requestId: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  commandLine: z.string(),
  executable: z.string(),
  /** Who the program runs as: root, or the `runAs` user. */
  runAsUser: z.string(),
  state: ElevationState,
  reason: z.string(),
  /** `reason` as a code plus values for the window to word; absent for rows of an older agent. */
  reasonDetail: ReceivedReasonDetail,
  /** The prompts the decision asked for, in presentation order. */
  controls: z.array(PromptControlName),
  /** Names of the policies that decided. */
  policies: z.array(z.string()),
  /** Set when an elevated-session grant let it pass without prompts. */
  grantId: z.string().nullable(),
  /** When the program was started; null if it never ran. */
  ranAt: z.iso.datetime().nullable(),
});

export const ElevationHistoryParams = z.object({ limit: z.number().int().min(1).max(200).default(20) }).nullish();

/** `elevation.history`: the caller's own most recent elevation requests with their decisions, newest first. */
export const ElevationHistory = defineRequest('elevation.history', ElevationHistoryParams, z.object({ requests: z.array(ElevationHistoryEntry) }));

export type ElevationHistoryEntry = z.infer<typeof ElevationHistoryEntry>;
