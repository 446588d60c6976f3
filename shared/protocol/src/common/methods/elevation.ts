import * as z from 'zod';
import { defineRequest } from '../method.ts';

export const PolicyTypeName = z.enum([
  'PrivilegeElevation',
  'FileAccess',
  'CommandLine',
  'LeastPrivilege',
  'HttpAccess',
  'SettingsUpdate',
  'AgenticAccess',
  'JobUpdate',
]);
export const PolicyStatusName = z.enum(['enforce', 'monitor', 'monitor_and_notify', 'off']);
export const ControlName = z.enum(['ALLOW', 'DENY', 'NOTIFY', 'MFA', 'JUSTIFY', 'APPROVAL', 'AUDIT', 'RECORD', 'OPERATORAPPROVAL']);
export const PromptControlName = z.enum(['APPROVAL', 'OPERATORAPPROVAL', 'MFA', 'JUSTIFY', 'NOTIFY']);

/** An account name as NSS knows it (no path separators, no option-looking names). */
export const AccountName = z.string().min(1).max(256).regex(/^[A-Za-z0-9_][A-Za-z0-9_.@-]*\$?$/, 'an account name');

/** Keeper.RunAs: the identity to run as instead of root; the agent resolves it through NSS. */
export const RunAsTarget = z.object({ user: AccountName });

export const ElevationRequestParams = z.object({
  /** Absolute path of the program to run elevated; the agent hashes the file itself. */
  executable: z.string().min(1).max(4096).refine((p) => p.startsWith('/') || /^[A-Za-z]:\\/.test(p), 'an absolute path'),
  arguments: z.array(z.string().max(32_768)).max(1024),
  cwd: z.string().min(1).max(4096),
  policyType: PolicyTypeName.default('PrivilegeElevation'),
  /** For agentic actions: the process acting for the user and how likely it is an AI agent. */
  agentic: z.object({ parentProcess: z.string().min(1).max(4096), aiLikelihoodPercent: z.number().min(0).max(100) }).optional(),
  /** Run as this user (keeper-runas) instead of root (keeper-elevate); decided under the same policies. */
  runAs: RunAsTarget.optional(),
});

export const PolicyMatchSummary = z.object({
  policyId: z.string(),
  policyName: z.string(),
  status: PolicyStatusName,
  specificity: z.number().int().min(0).max(3),
  controls: z.array(ControlName),
});

export const DecisionSummary = z.object({
  outcome: z.enum(['allow', 'deny', 'controls']),
  reason: z.string(),
  /** Prompts the user must pass, in presentation order. */
  controls: z.array(PromptControlName),
  justificationWithApproval: z.boolean(),
  matched: z.array(PolicyMatchSummary),
  deciding: z.array(z.string()),
  monitored: z.array(PolicyMatchSummary.extend({ wouldBe: z.enum(['allow', 'deny', 'controls']) })),
});

export const ElevationState = z.enum(['allowed', 'denied', 'pending']);

export const ElevationRequestResult = z.object({
  requestId: z.string(),
  state: ElevationState,
  decision: DecisionSummary,
  application: z.object({ path: z.string(), sha256: z.string().nullable(), commandLine: z.string() }),
  createdAt: z.iso.datetime(),
  /** The identity the program runs with when allowed (root unless `runAs` named another user). */
  runAs: z.object({ user: z.string(), uid: z.number().int().nonnegative() }).optional(),
  /** Set when a valid elevated-session grant let this request pass without its prompts. */
  grant: z.object({ grantId: z.string(), expiresAt: z.iso.datetime() }).optional(),
});

/** `elevation.request`: asks the agent to decide whether the caller may run a program elevated. */
export const ElevationRequest = defineRequest('elevation.request', ElevationRequestParams, ElevationRequestResult);

export type ElevationRequestParams = z.infer<typeof ElevationRequestParams>;
export type ElevationRequestResult = z.infer<typeof ElevationRequestResult>;
export type DecisionSummary = z.infer<typeof DecisionSummary>;
