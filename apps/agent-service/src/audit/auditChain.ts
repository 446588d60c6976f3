import { createHash } from 'node:crypto';

/** The previous hash of the first event in a log: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an audit event that its hash covers (delivery markers are not part of the record). */
export interface ChainedFields {
  readonly seq: number;
  readonly id: string;
  readonly at: string;
  readonly type: string;
  readonly actorUid: number | null;
  readonly requestId: string | null;
  readonly data: unknown;
}

/** Objects with their keys sorted by UTF-16 code unit, recursively; arrays keep their order. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sorted((value as Record<string, unknown>)[key]);
  return out;
}

/** JSON of exactly these seven fields, keys sorted at every level, no whitespace (docs/audit.md). */
export function canonicalEvent(event: ChainedFields): string {
  const { seq, id, at, type, actorUid, requestId, data } = event;
  return JSON.stringify(sorted({ seq, id, at, type, actorUid, requestId, data }));
}

/** hex(sha256(prevHash ‖ "\n" ‖ canonical event)), prevHash as its 64 hex characters. */
export function chainHash(prevHash: string, event: ChainedFields): string {
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalEvent(event)}`)
    .digest('hex');
}

/** The bytes a checkpoint's Ed25519 signature covers. */
export function checkpointMessage(checkpoint: { seq: number; hash: string; at: string }): Buffer {
  return Buffer.from(`keeper-audit-checkpoint/1\n${JSON.stringify({ at: checkpoint.at, hash: checkpoint.hash, seq: checkpoint.seq })}`);
}
