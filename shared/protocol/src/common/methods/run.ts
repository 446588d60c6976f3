import * as z from 'zod';
import { defineNotification, defineRequest } from '../method.ts';

/** Bytes on the wire: base64, at most 64 KiB of data per message. */
const Chunk = z
  .string()
  .max(90_000)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');

export const ElevationRunParams = z.object({
  requestId: z.string().min(1).max(100),
  /** The terminal the program talks to, passed into its clean environment. */
  term: z.string().max(64).optional(),
});

/**
 * `elevation.run`: starts an allowed request's program with the granted identity. Only the
 * requester's own connection may run it, and only once; output comes back as notifications.
 */
export const ElevationRun = defineRequest('elevation.run', ElevationRunParams, z.object({ runId: z.string(), pid: z.number().int().positive() }));

export const ElevationInputParams = z.object({
  runId: z.string().min(1).max(100),
  data: Chunk.optional(),
  /** Closes the program's stdin. */
  eof: z.boolean().optional(),
  /** Forwards a terminal signal (Ctrl+C, hang-up). */
  signal: z.enum(['SIGINT', 'SIGTERM', 'SIGHUP']).optional(),
});
/** `elevation.input`: stdin data, end of input or a signal for a running program. */
export const ElevationInput = defineRequest('elevation.input', ElevationInputParams, z.object({ ok: z.literal(true) }));

export const ElevationOutput = defineNotification('elevation.output', z.object({ runId: z.string(), stream: z.enum(['stdout', 'stderr']), data: Chunk }));
export const ElevationExited = defineNotification(
  'elevation.exited',
  z.object({ runId: z.string(), code: z.number().int().nullable(), signal: z.string().nullable() }),
);
