import { createPublicKey, verify } from 'node:crypto';
import { chainHash, checkpointMessage, GENESIS_HASH, type ChainedFields } from './auditChain.ts';

export interface ChainedEvent extends ChainedFields {
  readonly prevHash: string | null;
  readonly hash: string | null;
}

export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
  readonly at: string;
  readonly publicKey: string;
  readonly signature: string;
}

export type TamperKind = 'edited' | 'removed' | 'reordered' | 'inserted' | 'truncated' | 'rewritten' | 'bad-checkpoint';

export type VerifyResult =
  | { readonly ok: true; readonly events: number; readonly checkpoints: number; readonly lastCheckpointSeq: number | null }
  | { readonly ok: false; readonly seq: number; readonly kind: TamperKind; readonly detail: string };

/** How far from its slot a moved event is looked for (only on the failure path). */
const SEARCH_WINDOW = 256;

const selfConsistent = (event: ChainedEvent, seq = event.seq) =>
  event.prevHash !== null && event.hash !== null && chainHash(event.prevHash, { ...event, seq }) === event.hash;

/** The seq an event's own hash says it was written at, if it is near where it is now and not there. */
function originalSeq(event: ChainedEvent): number | null {
  for (let k = 1; k <= SEARCH_WINDOW; k++) {
    if (selfConsistent(event, event.seq + k)) return event.seq + k;
    if (event.seq - k >= 1 && selfConsistent(event, event.seq - k)) return event.seq - k;
  }
  return null;
}

/** Names the first event that breaks the chain and what happened to it, or null when the chain is whole. */
function walkChain(events: readonly ChainedEvent[]): Extract<VerifyResult, { ok: false }> | null {
  const present = new Set(events.map((e) => e.hash));
  let expectedPrev = GENESIS_HASH;
  let expectedSeq = 1;
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const selfOk = selfConsistent(event);
    const linked = event.prevHash === expectedPrev;
    if (selfOk && linked && event.seq === expectedSeq) {
      expectedPrev = event.hash!;
      expectedSeq++;
      continue;
    }
    if (event.seq > expectedSeq) {
      return {
        ok: false,
        seq: expectedSeq,
        kind: 'removed',
        detail: `events ${expectedSeq}..${event.seq - 1} are missing (seq ${event.seq} follows seq ${expectedSeq - 1})`,
      };
    }
    const original = originalSeq(event);
    if (original !== null && original > event.seq && present.has(event.prevHash)) {
      return { ok: false, seq: event.seq, kind: 'reordered', detail: `the event at seq ${event.seq} was written as seq ${original}` };
    }
    const next = events[i + 1];
    if (next && next.prevHash === expectedPrev && selfConsistent(next, event.seq)) {
      return { ok: false, seq: event.seq, kind: 'inserted', detail: `seq ${event.seq} was not in the log: the event after it was written as seq ${event.seq}` };
    }
    if (original !== null && original < event.seq) {
      return {
        ok: false,
        seq: original,
        kind: 'inserted',
        detail: `events were inserted at seq ${original}..${event.seq - 1}: the event now at seq ${event.seq} was written as seq ${original}`,
      };
    }
    if (original !== null) {
      return {
        ok: false,
        seq: event.seq,
        kind: 'removed',
        detail: `${original - event.seq} event(s) before the one now at seq ${event.seq} were removed and the rest renumbered`,
      };
    }
    if (selfOk) return { ok: false, seq: event.seq, kind: 'inserted', detail: `seq ${event.seq} does not follow from seq ${event.seq - 1}` };
    return { ok: false, seq: event.seq, kind: 'edited', detail: `the content of seq ${event.seq} no longer matches its hash` };
  }
  return null;
}

/** A malformed key or signature is a checkpoint that does not hold, not a crash. */
function signatureHolds(checkpoint: Checkpoint, key: string): boolean {
  try {
    return verify(
      null,
      checkpointMessage(checkpoint),
      createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' }),
      Buffer.from(checkpoint.signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/**
 * Proves the log against its hash chain and signed checkpoints (docs/audit.md). `trustedKey` is the
 * machine's public key (SPKI DER, base64); without one the first checkpoint's key is used.
 */
export function verifyChain(events: readonly ChainedEvent[], checkpoints: readonly Checkpoint[], trustedKey: string | null): VerifyResult {
  const broken = walkChain(events);
  if (broken) return broken;
  const key = trustedKey ?? checkpoints[0]?.publicKey ?? null;
  const bySeq = new Map(events.map((e) => [e.seq, e]));
  const lastSeq = events.at(-1)?.seq ?? 0;
  let covered = 0;
  for (const checkpoint of checkpoints) {
    const signed = checkpoint.publicKey === key && key !== null && signatureHolds(checkpoint, key);
    if (!signed)
      return {
        ok: false,
        seq: checkpoint.seq,
        kind: 'bad-checkpoint',
        detail: `the checkpoint at seq ${checkpoint.seq} is not signed by the machine's audit key`,
      };
    if (checkpoint.seq > lastSeq) {
      return { ok: false, seq: lastSeq + 1, kind: 'truncated', detail: `the log ends at seq ${lastSeq} but a signed checkpoint covers seq ${checkpoint.seq}` };
    }
    if (bySeq.get(checkpoint.seq)?.hash !== checkpoint.hash) {
      return {
        ok: false,
        seq: covered + 1,
        kind: 'rewritten',
        detail: `events after seq ${covered} were rewritten and re-hashed: the signed checkpoint at seq ${checkpoint.seq} no longer matches`,
      };
    }
    covered = checkpoint.seq;
  }
  return { ok: true, events: events.length, checkpoints: checkpoints.length, lastCheckpointSeq: checkpoints.at(-1)?.seq ?? null };
}
