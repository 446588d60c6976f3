import { randomUUID, sign } from 'node:crypto';
import type { AuditEvent as StoredEvent } from '../../../../shared/protocol/src/common/index.ts';
import type { AgentDatabase } from '../store/database.ts';
import { chainHash, checkpointMessage, GENESIS_HASH } from './auditChain.ts';
import type { AuditSigningKey } from './signingKey.ts';

/** A signed checkpoint after this many events (and one at every stop). */
export const CHECKPOINT_EVERY = 100;
/** The event that carries a checkpoint to the sinks and the fleet (its data: seq, hash, at, publicKey, signature). */
export const CHECKPOINT_EVENT = 'audit.checkpoint';

export interface AuditEvent {
  readonly type: string;
  readonly actorUid: number | null;
  readonly requestId: string | null;
  /** Never secrets: callers pass decisions, identities and paths, not codes or keys. */
  readonly data: Record<string, unknown>;
}

/** An audit_events row as SQLite returns it. */
export interface EventRow {
  seq: number;
  id: string;
  at: string;
  type: string;
  actor_uid: number | null;
  request_id: string | null;
  data_json: string;
  delivered_at: string | null;
  prev_hash: string | null;
  hash: string | null;
}

/** An audit_checkpoints row. */
export interface CheckpointRow {
  seq: number;
  hash: string;
  at: string;
  public_key: string;
  signature: string;
}

/** What every reader of an event row hands on (the log's own API, the fleet's outbox), chain fields aside. */
export function eventBody(row: Pick<EventRow, 'id' | 'at' | 'type' | 'actor_uid' | 'request_id' | 'data_json'>) {
  return {
    id: row.id,
    at: row.at,
    type: row.type,
    actorUid: row.actor_uid,
    requestId: row.request_id,
    data: JSON.parse(row.data_json) as Record<string, unknown>,
  };
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    seq: row.seq,
    ...eventBody(row),
    deliveredAt: row.delivered_at,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Appends audit events, each chained to the one before it by hash (docs/audit.md), and signs a
 * checkpoint every CHECKPOINT_EVERY events when it holds the machine key. SQLite triggers refuse
 * any update or delete of an event or checkpoint.
 */
export class AuditLog {
  private readonly db: AgentDatabase;
  private readonly signer: AuditSigningKey | null;
  private readonly insert;
  private readonly last;
  private readonly nextSeq;
  private readonly lastCheckpoint;
  private readonly insertCheckpoint;
  private readonly appendChained;
  private readonly listeners = new Set<() => void>();

  constructor({ db, signer = null }: { db: AgentDatabase; signer?: AuditSigningKey | null }) {
    this.db = db;
    this.signer = signer;
    this.insert = db.prepare(
      'INSERT INTO audit_events (seq, id, at, type, actor_uid, request_id, data_json, prev_hash, hash) VALUES (@seq, @id, @at, @type, @actorUid, @requestId, @data, @prevHash, @hash)',
    );
    this.last = db.prepare('SELECT seq, type, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
    // AUTOINCREMENT's high-water mark: a seq is never reused, even after rows went missing.
    this.nextSeq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'").pluck();
    this.lastCheckpoint = db.prepare('SELECT MAX(seq) FROM audit_checkpoints').pluck();
    this.insertCheckpoint = db.prepare('INSERT INTO audit_checkpoints (seq, hash, at, public_key, signature) VALUES (?, ?, ?, ?, ?)');
    this.appendChained = db.transaction((event: AuditEvent, id: string, at: string): void => {
      const last = this.last.get() as { seq: number; hash: string | null } | undefined;
      const seq = Math.max((this.nextSeq.get() as number | undefined) ?? 0, last?.seq ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS_HASH;
      const hash = chainHash(prevHash, { seq, id, at, type: event.type, actorUid: event.actorUid, requestId: event.requestId, data: event.data });
      this.insert.run({
        seq,
        id,
        at,
        type: event.type,
        actorUid: event.actorUid,
        requestId: event.requestId,
        data: JSON.stringify(event.data),
        prevHash,
        hash,
      });
      if (this.signer && seq - ((this.lastCheckpoint.get() as number | null) ?? 0) >= CHECKPOINT_EVERY) this.writeCheckpoint(seq, hash, at);
    });
  }

  append(event: AuditEvent, at: Date): string {
    const id = randomUUID();
    this.appendChained.immediate(event, id, at.toISOString());
    this.notify();
    return id;
  }

  private notify(): void {
    for (const listener of this.listeners) queueMicrotask(listener);
  }

  /** Signs the chain's head unless a checkpoint already covers it (the agent calls this at stop). */
  checkpoint(at: Date): void {
    if (!this.signer) return;
    this.db
      .transaction(() => {
        const last = this.last.get() as { seq: number; type: string; hash: string | null } | undefined;
        if (!last?.hash) return;
        // The head is the copy of a checkpoint over everything before it: nothing new to sign.
        const covered = ((this.lastCheckpoint.get() as number | null) ?? 0) + (last.type === CHECKPOINT_EVENT ? 1 : 0);
        if (covered >= last.seq) return;
        this.writeCheckpoint(last.seq, last.hash, at.toISOString());
      })
      .immediate();
    this.notify();
  }

  checkpoints(): CheckpointRow[] {
    return this.db.prepare('SELECT seq, hash, at, public_key, signature FROM audit_checkpoints ORDER BY seq').all() as CheckpointRow[];
  }

  /** Stored for verify, and appended as an event so every sink and the fleet get a copy off the machine. */
  private writeCheckpoint(seq: number, hash: string, at: string): void {
    const signer = this.signer!;
    const signature = sign(null, checkpointMessage({ seq, hash, at }), signer.privateKey).toString('base64');
    this.insertCheckpoint.run(seq, hash, at, signer.publicKey, signature);
    this.appendChained(
      { type: CHECKPOINT_EVENT, actorUid: null, requestId: null, data: { seq, hash, at, publicKey: signer.publicKey, signature } },
      randomUUID(),
      at,
    );
  }

  /** Told after every append (the forwarder flushes then, outside the appending transaction). */
  onAppended(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  after(seq: number, limit: number, filter: { types?: readonly string[] | undefined; requestId?: string | undefined } = {}): StoredEvent[] {
    const rows = this.db.prepare('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?').iterate(seq, 10 * limit) as IterableIterator<EventRow>;
    const events: StoredEvent[] = [];
    for (const row of rows) {
      if (filter.types && !filter.types.includes(row.type)) continue;
      if (filter.requestId && row.request_id !== filter.requestId) continue;
      events.push(toStoredEvent(row));
      if (events.length === limit) break;
    }
    return events;
  }

  markDelivered(throughSeq: number, at: Date): void {
    this.db.prepare('UPDATE audit_events SET delivered_at = ? WHERE seq <= ? AND delivered_at IS NULL').run(at.toISOString(), throughSeq);
  }
}
