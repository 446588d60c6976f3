import type {
  ElevationExited as FullElevationExited,
  ElevationInput as FullElevationInput,
  ElevationOutput as FullElevationOutput,
  ElevationRequest as FullElevationRequest,
  ElevationRun as FullElevationRun,
  ElevationUpdated as FullElevationUpdated,
} from '../../../shared/protocol/src/common/methods/elevation.ts';
import type { SessionHello as FullSessionHello } from '../../../shared/protocol/src/common/methods/session.ts';
import { anyRecord, nullable, number, object, oneOf, optional, string } from '../../../shared/protocol/src/common/plainChecks.ts';
import { subsetNotification, subsetRequest } from '../../../shared/protocol/src/node/oneShotClient.ts';
import { isBase64 } from './base64Chunk.ts';

/**
 * The protocol methods an elevation uses, checked only as far as the CLI reads them: plain checks of
 * a few fields each (shared/protocol/src/common/plainChecks.ts), instead of the protocol's full schema table or zod at all
 * (zod/mini alone was several milliseconds of the CLI's start). The protocol's descriptors are imported
 * as types only; `subsetRequest` makes the compiler check that each check here accepts every value the
 * protocol's own schema produces, and elevationMethods.test.ts holds each equal to a zod/mini schema
 * of the same fields. The agent validates what it is sent with the full schemas, so a bad argument
 * still gets the protocol's own InvalidParams text.
 */

const ElevationState = oneOf(['allowed', 'denied', 'pending']);
/** Bytes on the wire: base64, at most 64 KiB of data per message (as the protocol's Chunk, with the same check). */
const Chunk = string({ max: 90_000, refine: { test: isBase64, name: 'base64' } });

export const SessionHello = subsetRequest<typeof FullSessionHello>()('session.hello', object({ protocolVersion: number(), sessionId: string() }));

export const ElevationRequest = subsetRequest<typeof FullElevationRequest>()(
  'elevation.request',
  object({
    requestId: string(),
    state: ElevationState,
    decision: object({ reason: string() }),
    grant: optional(object({ expiresAt: string() })),
    /** The program the agent started at once (the request's `run`). */
    run: optional(object({ runId: string() })),
  }),
);

export const ElevationUpdated = subsetNotification<typeof FullElevationUpdated>()(
  'elevation.updated',
  object({
    requestId: string(),
    state: ElevationState,
    reason: string(),
    /** Only the code and the user of a prompt no desktop could show are read (the CLI says what to do). */
    reasonDetail: optional(object({ code: string(), values: anyRecord })),
    currentControl: nullable(string()),
    offlineApproval: optional(object({ challenge: string(), machine: string(), expiresAt: string() })),
  }),
);

export const ElevationRun = subsetRequest<typeof FullElevationRun>()('elevation.run', object({ runId: string() }));
export const ElevationInput = subsetRequest<typeof FullElevationInput>()('elevation.input', object({ ok: oneOf([true]) }));
export const ElevationOutput = subsetNotification<typeof FullElevationOutput>()(
  'elevation.output',
  object({ runId: string(), stream: oneOf(['stdout', 'stderr']), data: Chunk }),
);
export const ElevationExited = subsetNotification<typeof FullElevationExited>()(
  'elevation.exited',
  object({ runId: string(), code: nullable(number()), signal: nullable(string()) }),
);

/** What the checks return, by method. */
export type Checked<T extends { readonly params: (value: unknown, path: string) => unknown }> = ReturnType<T['params']>;
