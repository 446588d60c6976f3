import { hostname } from 'node:os';
import * as z from 'zod';
import type { Decision, Outcome } from './evaluate.ts';
import { Control, PolicyType } from './policySchema.ts';
import type { EvaluationRequest } from './request.ts';

/**
 * What the engine saw of a request beyond the fields `elevation.decided` always had (user,
 * executable, sha256, commandLine), and what it decided before elevated sessions, redirects or the
 * offline rule changed the answer. It is part of the event's `data`, so the hash chain covers it
 * (docs/audit.md); `policy replay` rebuilds the request from it.
 */
export const RecordedFacts = z.object({
  policyType: PolicyType,
  uid: z.number().int().nullable(),
  groups: z.array(z.string()),
  home: z.string().nullable(),
  machine: z.string(),
  arguments: z.array(z.string()).nullable(),
  /** Absent when the agent did not look it up (no policy named a Signer then). */
  signer: z.string().nullable().optional(),
  agentic: z.object({ parentProcess: z.string(), aiLikelihoodPercent: z.number() }).nullable(),
});
export type RecordedFacts = z.infer<typeof RecordedFacts>;

export const RecordedDecision = z.object({ outcome: z.enum(['allow', 'deny', 'controls']), controls: z.array(Control) });
export type RecordedDecision = z.infer<typeof RecordedDecision>;

/** The fields `elevation.decided` gains: `request` (RecordedFacts) and `policyDecision`. */
export function recordedFields(
  request: EvaluationRequest,
  decision: Pick<Decision, 'outcome' | 'controls'>,
  options: { signerLookedUp: boolean },
): { request: RecordedFacts; policyDecision: RecordedDecision } {
  return {
    request: {
      policyType: request.policyType,
      uid: request.user.uid,
      groups: [...request.user.groups],
      home: request.user.home,
      machine: request.machine.name,
      arguments: request.application.arguments ? [...request.application.arguments] : null,
      ...(options.signerLookedUp ? { signer: request.application.signer } : {}),
      agentic: request.agentic ? { parentProcess: request.agentic.parentProcess, aiLikelihoodPercent: request.agentic.aiLikelihoodPercent } : null,
    },
    policyDecision: { outcome: decision.outcome, controls: [...decision.controls] },
  };
}

/** The fields every `elevation.decided` event has carried. */
const DecidedEvent = z.object({
  user: z.string().nullable(),
  executable: z.string(),
  sha256: z.string().nullable(),
  commandLine: z.string(),
  state: z.enum(['allowed', 'denied', 'pending']),
  request: RecordedFacts.optional(),
  policyDecision: RecordedDecision.optional(),
});

/** A fact an older event lacks, so its replay can differ from what the agent would decide today. */
export type MissingFact = 'policyType' | 'groups' | 'home' | 'machine' | 'arguments' | 'signer' | 'agentic' | 'policyDecision';

export interface ReplayableRequest {
  readonly request: EvaluationRequest;
  /** What the engine decided then; for older events the outcome from the stored state, with controls unknown. */
  readonly then: { readonly outcome: Outcome; readonly controls: readonly Control[] | null };
  /** Empty for events that record everything; a replay of the rest is partial. */
  readonly missing: readonly MissingFact[];
}

const STATE_OUTCOME = { allowed: 'allow', denied: 'deny', pending: 'controls' } as const;

/**
 * Rebuilds the engine's request from an `elevation.decided` event's data; null when the data is not
 * such an event's. Facts an older event lacks are left as the engine's "unknown" (no groups, no
 * arguments: argument rules never apply) and named in `missing`.
 */
export function replayableRequest(data: unknown, actorUid: number | null, at: Date): ReplayableRequest | null {
  const parsed = DecidedEvent.safeParse(data);
  if (!parsed.success) return null;
  const event = parsed.data;
  const facts = event.request;
  const missing: MissingFact[] = facts ? [] : ['policyType', 'groups', 'home', 'machine', 'arguments', 'signer', 'agentic'];
  if (facts && facts.arguments === null) missing.push('arguments');
  if (facts && facts.signer === undefined) missing.push('signer');
  if (!event.policyDecision) missing.push('policyDecision');
  const args = facts?.arguments ?? null;
  return {
    request: {
      policyType: facts?.policyType ?? 'PrivilegeElevation',
      user: { uid: facts ? facts.uid : actorUid, name: event.user, groups: facts?.groups ?? [], home: facts?.home ?? null },
      // The audit is this machine's own: an older event is taken to be about today's host name.
      machine: { name: facts?.machine ?? hostname() },
      application: {
        path: event.executable,
        sha256: event.sha256,
        signer: facts?.signer ?? null,
        commandLine: event.commandLine,
        ...(args ? { arguments: args } : {}),
      },
      agentic: facts?.agentic ?? null,
      at,
    },
    then: event.policyDecision ?? { outcome: STATE_OUTCOME[event.state], controls: event.state === 'pending' ? null : [] },
    missing,
  };
}
