import * as z from 'zod';

/** Where audit events go besides the local log: a JSON-lines file and/or RFC 5424 syslog. */
export const AuditSettings = z.strictObject({
  jsonl: z.string().min(1).optional(),
  syslog: z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535), protocol: z.enum(['udp', 'tcp']).default('udp') }).optional(),
});
export type AuditSettings = z.infer<typeof AuditSettings>;
