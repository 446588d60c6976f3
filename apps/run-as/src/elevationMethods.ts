import * as z from 'zod/mini';
import type {
  ElevationExited as FullElevationExited,
  ElevationInput as FullElevationInput,
  ElevationOutput as FullElevationOutput,
  ElevationRequest as FullElevationRequest,
  ElevationRun as FullElevationRun,
  ElevationUpdated as FullElevationUpdated,
} from '../../../shared/protocol/src/common/methods/elevation.ts';
import type { SessionHello as FullSessionHello } from '../../../shared/protocol/src/common/methods/session.ts';
import { subsetNotification, subsetRequest } from '../../../shared/protocol/src/node/oneShotClient.ts';
import { isBase64 } from './base64Chunk.ts';

/**
 * The protocol methods an elevation uses, checked only as far as the CLI reads them: zod/mini
 * schemas of a few fields each, built in well under a millisecond, instead of the protocol's full
 * schema table (the 50-code reason union alone cost most of the CLI's start-up). The protocol's
 * descriptors are imported as types only; `subsetRequest` makes the compiler check that each schema
 * here accepts every value the protocol's own schema produces. The agent validates what it is sent
 * with the full schemas, so a bad argument still gets the protocol's own InvalidParams text.
 */

const ElevationState = z.enum(['allowed', 'denied', 'pending']);
/** Bytes on the wire: base64, at most 64 KiB of data per message (as the protocol's Chunk, with the same check). */
const Chunk = z.string().check(z.maxLength(90_000), z.refine(isBase64, 'base64'));

export const SessionHello = subsetRequest<typeof FullSessionHello>()('session.hello', z.object({ protocolVersion: z.number(), sessionId: z.string() }));

export const ElevationRequest = subsetRequest<typeof FullElevationRequest>()(
  'elevation.request',
  z.object({
    requestId: z.string(),
    state: ElevationState,
    decision: z.object({ reason: z.string() }),
    grant: z.optional(z.object({ expiresAt: z.string() })),
    /** The program the agent started at once (the request's `run`). */
    run: z.optional(z.object({ runId: z.string() })),
  }),
);

export const ElevationUpdated = subsetNotification<typeof FullElevationUpdated>()(
  'elevation.updated',
  z.object({
    requestId: z.string(),
    state: ElevationState,
    reason: z.string(),
    /** Only the code and the user of a prompt no desktop could show are read (the CLI says what to do). */
    reasonDetail: z.optional(z.object({ code: z.string(), values: z.record(z.string(), z.unknown()) })),
    currentControl: z.nullable(z.string()),
    offlineApproval: z.optional(z.object({ challenge: z.string(), machine: z.string(), expiresAt: z.string() })),
  }),
);

export const ElevationRun = subsetRequest<typeof FullElevationRun>()('elevation.run', z.object({ runId: z.string() }));
export const ElevationInput = subsetRequest<typeof FullElevationInput>()('elevation.input', z.object({ ok: z.literal(true) }));
export const ElevationOutput = subsetNotification<typeof FullElevationOutput>()(
  'elevation.output',
  z.object({ runId: z.string(), stream: z.enum(['stdout', 'stderr']), data: Chunk }),
);
export const ElevationExited = subsetNotification<typeof FullElevationExited>()(
  'elevation.exited',
  z.object({ runId: z.string(), code: z.nullable(z.number()), signal: z.nullable(z.string()) }),
);
