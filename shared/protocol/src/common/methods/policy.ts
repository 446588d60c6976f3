import * as z from 'zod';
import { defineRequest, onFirstUse } from '../method.ts';
import { AgenticDetection } from './agentic.ts';
import { DecisionSummary, ElevationRequestParams, PolicyStatusName, PolicyTypeName } from './elevation.ts';

/** The checks of one policy, in the order the engine looks at them. */
export const PolicyCheckName = z.enum([
  'UserCheck',
  'ApplicationCheck',
  'MachineCheck',
  'DateCheck',
  'TimeCheck',
  'DayCheck',
  'AllowCommands',
  'AllowArguments',
  'DenyArguments',
  'SubProcessCheck',
  'minAiLikelihoodPercent',
]);

/**
 * One check's verdict as data, so each window words it in the user's language: what the policy
 * asks for and what the request had.
 */
export const PolicyCheckOutcome = onFirstUse(() =>
  z.object({
    check: PolicyCheckName,
    passed: z.boolean(),
    /**
     * What the policy names: collection names (ids when unnamed) for User/Application/MachineCheck,
     * `YYYY-MM-DD/YYYY-MM-DD` ranges, `HH:MM-HH:MM` windows, weekday numbers (0 = Sunday), command or
     * process patterns, or the minimum AI likelihood.
     */
    required: z.array(z.string()),
    /** The request's value for this check (user name, path, machine, date, time, weekday, command line, process, likelihood); null when it had none. */
    actual: z.string().nullable(),
  }),
);

export const PolicyExplanation = onFirstUse(() =>
  z.object({
    policyId: z.string(),
    policyName: z.string(),
    /** The policy's type: an agentic request is also decided by the agentic types (absent from an older agent). */
    policyType: PolicyTypeName.optional(),
    status: PolicyStatusName,
    matched: z.boolean(),
    specificity: z.number().int().min(0).max(3),
    controls: z.array(z.string()),
    /** The checks the policy sets (wildcards and absent checks left out); any failed one is why it did not match. */
    checks: z.array(PolicyCheckOutcome),
  }),
);

/**
 * `policy.explain`: what `elevation.request` would decide for the caller with these parameters, and
 * why, without asking anything, creating a request or running anything (the "why" view and
 * quick-elevate's preview).
 */
export const PolicyExplain = defineRequest(
  'policy.explain',
  ElevationRequestParams,
  onFirstUse(() =>
    z.object({
      decision: DecisionSummary,
      /** Every policy of the types the request is decided under that is not off, matched ones first. */
      policies: z.array(PolicyExplanation),
      application: z.object({ path: z.string(), sha256: z.string().nullable(), commandLine: z.string() }),
      /** What the agent detected about the acting process (null: not agentic); absent from an older agent. */
      agentic: AgenticDetection.nullable().optional(),
      evaluatedAt: z.iso.datetime(),
    }),
  ),
);

export type PolicyExplanation = z.infer<typeof PolicyExplanation>;
export type PolicyCheckOutcome = z.infer<typeof PolicyCheckOutcome>;
