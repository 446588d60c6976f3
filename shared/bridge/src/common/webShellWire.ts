import * as z from 'zod';

/** Messages of the web shell's WebSocket, the browser stand-in for Electron IPC. */
const Id = z.number().int().nonnegative();
const Name = z.string().min(1).max(80);

export const ClientMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: Id, channel: Name, member: Name, args: z.array(z.unknown()).max(16) }),
  z.object({ t: z.literal('subscribe'), id: Id, channel: Name, member: Name, args: z.array(z.unknown()).max(16) }),
  z.object({ t: z.literal('unsubscribe'), id: Id }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export const WireError = z.object({ name: z.string(), message: z.string(), code: z.union([z.string(), z.number()]).optional() });
export type WireError = z.infer<typeof WireError>;

export const ServerMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('result'), id: Id, value: z.unknown() }),
  z.object({ t: z.literal('failure'), id: Id, error: WireError }),
  z.object({ t: z.literal('next'), id: Id, value: z.unknown() }),
  z.object({ t: z.literal('streamError'), id: Id, error: WireError }),
  z.object({ t: z.literal('complete'), id: Id }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** Largest WebSocket message either side accepts. */
export const MAX_WIRE_MESSAGE_BYTES = 256 * 1024;

export function toWireError(error: unknown): WireError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}
