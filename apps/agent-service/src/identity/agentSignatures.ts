import * as z from 'zod';

/** One known AI agent: the process names it goes by, and how likely a process so named is an AI agent (docs/agentic.md). */
export const AgentSignature = z.strictObject({
  agent: z.string().min(1).max(200),
  names: z
    .array(
      z
        .string()
        .min(1)
        .max(255)
        .regex(/^[^/\0]+$/, 'a process name (no "/")'),
    )
    .min(1)
    .max(64),
  aiLikelihoodPercent: z.number().int().min(0).max(100),
});
export type AgentSignature = z.infer<typeof AgentSignature>;

/** The signature list: shipped in resources/agentic/agentSignatures.json, or the config's `agentic.signatures` instead. */
export const AgentSignatures = z.array(AgentSignature).min(1).max(1024);

/** `agentic` in the agent's config file: a list given here replaces the shipped one as a whole. */
export const AgenticSettings = z.strictObject({ signatures: AgentSignatures.optional() });
export type AgenticSettings = z.infer<typeof AgenticSettings>;
