import * as z from 'zod';
import { defineRequest, onFirstUse } from '../method.ts';

export const GrantState = z.enum(['active', 'expired', 'revoked']);

/**
 * An elevated session: after a request passed the controls of a policy that grants one
 * (`Extension.ElevatedSessionMinutes`), further elevations of the same program under that policy,
 * by the same user and as the same identity, pass without prompts until it ends.
 */
export const Grant = onFirstUse(() =>
  z.object({
    grantId: z.string(),
    state: GrantState,
    policyId: z.string(),
    policyName: z.string(),
    /** The program the session covers (the file as hashed when the grant was made). */
    application: z.object({ path: z.string(), sha256: z.string().nullable() }),
    runAs: z.object({ user: z.string(), uid: z.number().int().nonnegative() }),
    /** The request whose controls earned the grant. */
    requestId: z.string(),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    /** When it was revoked or found expired; null while active. */
    endedAt: z.iso.datetime().nullable(),
    /** Requests that passed through it. */
    uses: z.number().int().nonnegative(),
  }),
);

export const GrantsListParams = onFirstUse(() => z.object({ includeEnded: z.boolean().default(false) }).nullish());

/** `grants.list`: the caller's own elevated sessions, newest first (active ones unless `includeEnded`). */
export const GrantsList = defineRequest(
  'grants.list',
  GrantsListParams,
  onFirstUse(() => z.object({ grants: z.array(Grant) })),
);

/** `grants.revoke`: the caller ends one of its own active elevated sessions now. */
export const GrantsRevoke = defineRequest(
  'grants.revoke',
  onFirstUse(() => z.object({ grantId: z.string().min(1).max(100) })),
  Grant,
);

export type Grant = z.infer<typeof Grant>;
export type GrantState = z.infer<typeof GrantState>;
