import * as z from 'zod';

const Principals = z.strictObject({ users: z.array(z.string().min(1)).default([]), groups: z.array(z.string().min(1)).default([]) });

/**
 * Who may decide approval requests, and the seed's timeouts (all in minutes). Keeper-style
 * administrators can always approve; nobody approves their own request unless allowed here.
 */
export const ApprovalSettings = z.strictObject({
  administrators: Principals.default({ users: ['root'], groups: ['sudo', 'wheel', 'admin'] }),
  approvers: Principals.default({ users: [], groups: [] }),
  secondaryApprovers: Principals.default({ users: [], groups: [] }),
  allowSelfApproval: z.boolean().default(false),
  requestExpiryMinutes: z.number().positive().default(30),
  escalateAfterMinutes: z.number().positive().default(30),
  escalatedExpiryMinutes: z.number().positive().default(240),
  approvedUsableMinutes: z
    .number()
    .positive()
    .default(24 * 60),
});
export type ApprovalSettings = z.infer<typeof ApprovalSettings>;
