import { CHECKPOINT_EVENT } from './auditLog.ts';
import type { ChainedEvent, Checkpoint } from './chainVerifier.ts';

/** One line of a JSON-lines export: events and checkpoints in seq order, a checkpoint after the event it signs. */
export type ExportLine = ({ record: 'event' } & ChainedEvent) | ({ record: 'checkpoint' } & Checkpoint);

export function exportLines(events: readonly ChainedEvent[], checkpoints: readonly Checkpoint[]): ExportLine[] {
  const lines: ExportLine[] = [];
  let c = 0;
  for (const event of events) {
    lines.push({ record: 'event', ...event });
    while (c < checkpoints.length && checkpoints[c]!.seq <= event.seq) lines.push({ record: 'checkpoint', ...checkpoints[c++]! });
  }
  while (c < checkpoints.length) lines.push({ record: 'checkpoint', ...checkpoints[c++]! });
  return lines;
}

export class ExportFormatError extends Error {}

/** The signed checkpoint an `audit.checkpoint` event carries, if it carries one. */
function carriedCheckpoint(event: ChainedEvent): Checkpoint | null {
  const data = event.data as Partial<Checkpoint> | null;
  if (event.type !== CHECKPOINT_EVENT || !data) return null;
  const { seq, hash, at, publicKey, signature } = data;
  return typeof seq === 'number' && typeof hash === 'string' && typeof at === 'string' && typeof publicKey === 'string' && typeof signature === 'string'
    ? { seq, hash, at, publicKey, signature }
    : null;
}

/**
 * Reads an export back, or the JSON-lines sink's own file (events without `record`, checkpoints as
 * the `audit.checkpoint` events in it). A line that is neither is an error naming its line number.
 */
export function parseExport(text: string): { events: ChainedEvent[]; checkpoints: Checkpoint[] } {
  const events: ChainedEvent[] = [];
  const checkpoints: Checkpoint[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let record: Partial<ExportLine> & { deliveredAt?: unknown };
    try {
      record = JSON.parse(line) as Partial<ExportLine>;
    } catch {
      throw new ExportFormatError(`line ${index + 1} is not JSON`);
    }
    if (record.record === 'checkpoint' && typeof record.seq === 'number') {
      checkpoints.push(record as Checkpoint);
    } else if ((record.record === 'event' || (record.record === undefined && 'hash' in record)) && typeof record.seq === 'number') {
      const { seq, id, at, type, actorUid, requestId, data, prevHash, hash } = record as ChainedEvent;
      events.push({ seq, id, at, type, actorUid, requestId, data, prevHash, hash });
    } else {
      throw new ExportFormatError(`line ${index + 1} is neither an audit event nor a checkpoint`);
    }
  });
  events.sort((a, b) => a.seq - b.seq);
  if (checkpoints.length === 0) {
    for (const event of events) {
      const checkpoint = carriedCheckpoint(event);
      if (checkpoint) checkpoints.push(checkpoint);
    }
  }
  return { events, checkpoints };
}

const OCSF_API_ACTIVITY = 6003;
const OCSF_APPLICATION_ACTIVITY = 6;
const OCSF_OTHER = 99;
const FAILURE = /denied|refused|failed|locked|replayed|expired/;

/** OCSF 1.1 API Activity (6003), activity Other: the agent's own API is where every audited action lands. */
export function toOcsf(event: ChainedEvent): Record<string, unknown> {
  const failed = FAILURE.test(event.type);
  return {
    class_uid: OCSF_API_ACTIVITY,
    category_uid: OCSF_APPLICATION_ACTIVITY,
    activity_id: OCSF_OTHER,
    activity_name: event.type,
    type_uid: OCSF_API_ACTIVITY * 100 + OCSF_OTHER,
    time: Date.parse(event.at),
    severity_id: failed ? 3 : 1,
    status_id: failed ? 2 : 1,
    metadata: {
      version: '1.1.0',
      uid: event.id,
      sequence: event.seq,
      log_name: 'keeper-agent-audit',
      product: { name: 'Keeper Agent', vendor_name: 'Keeper' },
    },
    api: { operation: event.type, request: event.requestId === null ? undefined : { uid: event.requestId } },
    actor: event.actorUid === null ? undefined : { user: { uid: String(event.actorUid) } },
    unmapped: { data: event.data, prev_hash: event.prevHash, hash: event.hash },
  };
}
