import * as z from 'zod';

/** A prompt's wait in seconds: at least 1 s, at most a day. */
const TimeoutSeconds = z.number().int().min(1).max(86_400);

/**
 * `justification` in --config. The bounds are the protocol's (a justification is at most 2000
 * characters on the wire); `timeoutSeconds`, when set, wins over a policy-controls job task's own.
 */
export const JustificationSettings = z
  .strictObject({
    minLength: z.number().int().min(1).max(2000).default(10),
    maxLength: z.number().int().min(1).max(2000).default(2000),
    timeoutSeconds: TimeoutSeconds.optional(),
  })
  .refine((s) => s.minLength <= s.maxLength, { message: 'minLength must not exceed maxLength', path: ['minLength'] });
export type JustificationSettings = z.infer<typeof JustificationSettings>;

/** `notify` in --config: how long a notice that needs acknowledging waits (NOTIFY). */
export const NotifySettings = z.strictObject({ timeoutSeconds: TimeoutSeconds.optional() });
export type NotifySettings = z.infer<typeof NotifySettings>;

/**
 * `operatorApproval` in --config: End User Approval's fail-modes. The seed's fail-mode is deny; an
 * `allow` lets the action run when nobody answers in time (`onTimeout`) or no desktop of the user
 * can show the prompt (`whenUndeliverable`), so it is only ever an administrator's explicit choice.
 */
export const OperatorApprovalSettings = z.strictObject({
  onTimeout: z.enum(['deny', 'allow']).default('deny'),
  whenUndeliverable: z.enum(['deny', 'allow']).default('deny'),
  timeoutSeconds: TimeoutSeconds.optional(),
});
export type OperatorApprovalSettings = z.infer<typeof OperatorApprovalSettings>;
