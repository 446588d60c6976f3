import * as z from 'zod';
import { onFirstUse } from '../method.ts';

/**
 * One reason the agent thinks a request comes from an AI agent, with its weight (docs/agentic.md):
 * `signature` an ancestor process named like a known agent (which one, how far up, which name
 * matched); `headless` the requester has no controlling terminal under such an ancestor; `claimed`
 * what the request itself said. The likelihood is the highest weight: a claim can add, never lower.
 */
export const AgenticSignal = onFirstUse(() =>
  z.object({
    signal: z.enum(['signature', 'headless', 'claimed']),
    percent: z.number().min(0).max(100),
    /** The signature's agent (`signature`). */
    agent: z.string().max(200).optional(),
    /** The process name that matched the signature (`signature`). */
    name: z.string().max(255).optional(),
    /** The process as policies see it: the matched ancestor (`signature`) or what the request named (`claimed`). */
    process: z.string().max(4096).optional(),
    pid: z.number().int().nonnegative().optional(),
    /** How far up the matched ancestor is: 0 the requester itself, 1 its parent, … */
    generation: z.number().int().nonnegative().optional(),
  }),
);

/** What the agent detected about the acting process of a request, and why. */
export const AgenticDetection = onFirstUse(() =>
  z.object({
    parentProcess: z.string().max(4096),
    aiLikelihoodPercent: z.number().min(0).max(100),
    signals: z.array(AgenticSignal).max(16),
  }),
);

export type AgenticSignal = z.infer<typeof AgenticSignal>;
export type AgenticDetection = z.infer<typeof AgenticDetection>;
