import * as z from 'zod';
import { defineRequest } from '../method.ts';
import { DecisionSummary, ElevationRequestParams, PolicyStatusName } from './elevation.ts';

/** The checks of one policy, in the order the engine looks at them. */
export const PolicyCheckName = z.enum([
  'UserCheck',
  'ApplicationCheck',
  'MachineCheck',
  'DateCheck',
  'TimeCheck',
  'DayCheck',
  'AllowCommands',
  'SubProcessCheck',
  'minAiLikelihoodPercent',
]);

export const PolicyCheckOutcome = z.object({
  check: PolicyCheckName,
  passed: z.boolean(),
  /** Plain words for a person: what the policy asks and what the request had. */
  detail: z.string(),
});

export const PolicyExplanation = z.object({
  policyId: z.string(),
  policyName: z.string(),
  status: PolicyStatusName,
  matched: z.boolean(),
  specificity: z.number().int().min(0).max(3),
  controls: z.array(z.string()),
  /** Every check of the policy that applies to the request; the first failed one is why it did not match. */
  checks: z.array(PolicyCheckOutcome),
});

/**
 * `policy.explain`: what `elevation.request` would decide for the caller with these parameters, and
 * why, without asking anything, creating a request or running anything (the "why" view and
 * quick-elevate's preview).
 */
export const PolicyExplain = defineRequest(
  'policy.explain',
  ElevationRequestParams,
  z.object({
    decision: DecisionSummary,
    /** Every policy of the request's type that is not off, matched ones first. */
    policies: z.array(PolicyExplanation),
    application: z.object({ path: z.string(), sha256: z.string().nullable(), commandLine: z.string() }),
    evaluatedAt: z.iso.datetime(),
  }),
);

export type PolicyExplanation = z.infer<typeof PolicyExplanation>;
export type PolicyCheckOutcome = z.infer<typeof PolicyCheckOutcome>;
