import * as z from 'zod';
import { defineRequest, onFirstUse } from '../method.ts';

export const AuditEvent = onFirstUse(() =>
  z.object({
    seq: z.number().int().positive(),
    id: z.string(),
    at: z.iso.datetime(),
    type: z.string(),
    actorUid: z.number().int().nonnegative().nullable(),
    requestId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    /** When every configured sink had it; null while it waits in the outbox. */
    deliveredAt: z.iso.datetime().nullable(),
    /** The hash chain (docs/audit.md); absent from older agents. */
    prevHash: z.string().nullable().optional(),
    hash: z.string().nullable().optional(),
  }),
);
export type AuditEvent = z.infer<typeof AuditEvent>;

export const AuditQueryParams = onFirstUse(() =>
  z
    .object({
      afterSeq: z.number().int().nonnegative().optional(),
      types: z.array(z.string().min(1).max(100)).max(50).optional(),
      requestId: z.string().max(100).optional(),
      limit: z.number().int().min(1).max(1000).default(200),
    })
    .nullish(),
);

/** `audit.query`: the append-only audit log, oldest first; administrators and approvers only. */
export const AuditQuery = defineRequest(
  'audit.query',
  AuditQueryParams,
  onFirstUse(() => z.object({ events: z.array(AuditEvent) })),
);
