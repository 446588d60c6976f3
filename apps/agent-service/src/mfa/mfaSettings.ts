import * as z from 'zod';

/**
 * MFA settings of the agent config (`mfa` in --config). The seed blocks the action on an invalid or
 * expired code, so by default the first wrong code ends the request (the user may ask again); more
 * attempts per prompt are an administrator's choice. The lockout after repeated wrong codes applies
 * either way, across prompts. `sessionMinutes` is how long a verified code spares further MFA
 * prompts of the same action type (the seed's 5 minutes); `promptTimeoutSeconds`, when set, wins
 * over a policy-controls job task's own timeout.
 */
export const MfaSettings = z.strictObject({
  codeAttemptsPerPrompt: z.number().int().min(1).max(10).default(1),
  sessionMinutes: z.number().int().min(1).max(1440).default(5),
  promptTimeoutSeconds: z.number().int().min(1).max(86_400).optional(),
});
export type MfaSettings = z.infer<typeof MfaSettings>;
