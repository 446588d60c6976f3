import type { ServerMessage } from '../common/webShellWire.ts';
import { number, object, optional, string, tagged, type Check } from '../../../protocol/src/common/plainChecks.ts';

const id = number({ int: true, min: 0 });
/** webShellWire.ts, WireError. */
const wireError = object({
  name: string(),
  message: string(),
  code: optional((value, path) => (typeof value === 'number' ? number()(value, path) : string()(value, path))),
});
const anything: Check<unknown> = (value) => value;

/**
 * webShellWire.ts, ServerMessage, checked without zod (plainChecks.ts), so a window's transport loads
 * no zod; promptChecks.test.ts holds it to the zod schema.
 */
export const checkServerMessage = tagged('t', {
  result: { id, value: anything },
  failure: { id, error: wireError },
  next: { id, value: anything },
  streamError: { id, error: wireError },
  complete: { id },
}) as Check<ServerMessage>;
