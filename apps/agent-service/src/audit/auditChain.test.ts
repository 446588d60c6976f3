import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, openAgentDatabase } from '../store/database.ts';
import { canonicalEvent, chainHash, GENESIS_HASH } from './auditChain.ts';
import { exportLines, parseExport } from './auditExport.ts';
import { AuditLog, CHECKPOINT_EVENT, CHECKPOINT_EVERY, type CheckpointRow, type EventRow } from './auditLog.ts';
import { verifyChain, type ChainedEvent } from './chainVerifier.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-chain-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const privateKey = generateKeyPairSync('ed25519').privateKey;
const signer = { privateKey, publicKey: createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64') };

function read(db: Database.Database): { events: ChainedEvent[]; checkpoints: ReturnType<typeof toCheckpoint>[] } {
  const rows = db.prepare('SELECT * FROM audit_events ORDER BY seq').all() as EventRow[];
  return {
    events: rows.map((r) => ({
      seq: r.seq,
      id: r.id,
      at: r.at,
      type: r.type,
      actorUid: r.actor_uid,
      requestId: r.request_id,
      data: JSON.parse(r.data_json) as unknown,
      prevHash: r.prev_hash,
      hash: r.hash,
    })),
    checkpoints: (db.prepare('SELECT * FROM audit_checkpoints ORDER BY seq').all() as CheckpointRow[]).map(toCheckpoint),
  };
}
const toCheckpoint = (c: CheckpointRow) => ({ seq: c.seq, hash: c.hash, at: c.at, publicKey: c.public_key, signature: c.signature });

describe('canonical event encoding', () => {
  it('is JSON of the seven fields with keys sorted at every level', () => {
    const text = canonicalEvent({ type: 't', seq: 3, id: 'i', at: 'a', requestId: null, actorUid: 7, data: { z: 1, a: { y: [{ b: 1, a: 2 }], x: null } } });
    expect(text).toBe('{"actorUid":7,"at":"a","data":{"a":{"x":null,"y":[{"a":2,"b":1}]},"z":1},"id":"i","requestId":null,"seq":3,"type":"t"}');
    expect(chainHash(GENESIS_HASH, { seq: 1, id: 'i', at: 'a', type: 't', actorUid: null, requestId: null, data: {} })).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('AuditLog chain and checkpoints', () => {
  it('chains every append to the one before and signs a checkpoint every CHECKPOINT_EVERY events and at checkpoint()', () => {
    const db = openAgentDatabase(tempDir());
    const log = new AuditLog({ db, signer });
    const at = new Date('2030-01-01T00:00:00Z');
    for (let i = 0; i < CHECKPOINT_EVERY + 5; i++) log.append({ type: 'test.event', actorUid: i, requestId: null, data: { i } }, at);
    expect(log.checkpoints().map((c) => c.seq)).toEqual([CHECKPOINT_EVERY]);
    log.checkpoint(at);
    log.checkpoint(at);
    expect(log.checkpoints().map((c) => c.seq)).toEqual([CHECKPOINT_EVERY, CHECKPOINT_EVERY + 6]);
    const { events, checkpoints } = read(db);
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    expect(events[1]!.prevHash).toBe(events[0]!.hash);
    expect(verifyChain(events, checkpoints, signer.publicKey)).toEqual({
      ok: true,
      events: CHECKPOINT_EVERY + 7,
      checkpoints: 2,
      lastCheckpointSeq: CHECKPOINT_EVERY + 6,
    });
    expect(events[CHECKPOINT_EVERY]).toMatchObject({
      seq: CHECKPOINT_EVERY + 1,
      type: CHECKPOINT_EVENT,
      data: { seq: CHECKPOINT_EVERY, hash: events[CHECKPOINT_EVERY - 1]!.hash },
    });
    expect(() => db.prepare("UPDATE audit_events SET hash = 'x' WHERE seq = 1").run()).toThrow('append-only');
    expect(() => db.prepare('DELETE FROM audit_checkpoints').run()).toThrow('append-only');
    db.close();
  });

  it('refuses checkpoints signed by another key', () => {
    const db = openAgentDatabase(tempDir());
    const log = new AuditLog({ db, signer });
    log.append({ type: 'x', actorUid: null, requestId: null, data: {} }, new Date());
    log.checkpoint(new Date());
    const other = createPublicKey(generateKeyPairSync('ed25519').privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
    const { events, checkpoints } = read(db);
    expect(verifyChain(events, checkpoints, other)).toMatchObject({ ok: false, seq: 1, kind: 'bad-checkpoint' });
    db.close();
  });

  it('round-trips through the jsonl export', () => {
    const db = openAgentDatabase(tempDir());
    const log = new AuditLog({ db, signer });
    for (let i = 0; i < 3; i++) log.append({ type: 'x', actorUid: null, requestId: 'r', data: { nested: { b: i, a: 'é' } } }, new Date());
    log.checkpoint(new Date());
    const { events, checkpoints } = read(db);
    const text = exportLines(events, checkpoints)
      .map((l) => JSON.stringify(l))
      .join('\n');
    const parsed = parseExport(text);
    expect(verifyChain(parsed.events, parsed.checkpoints, null)).toMatchObject({ ok: true, events: 4, checkpoints: 1 });
    db.close();
  });
});

describe('upgrade', () => {
  it('chains, in seq order, the events an older agent wrote, and keeps chaining after them', () => {
    const dir = tempDir();
    const step = MIGRATIONS.findIndex((m) => m.includes('ADD COLUMN prev_hash'));
    const legacy = new Database(join(dir, 'agent.db'));
    for (const migration of MIGRATIONS.slice(0, step)) legacy.exec(migration);
    legacy.pragma(`user_version = ${step}`);
    const insert = legacy.prepare(
      "INSERT INTO audit_events (id, at, type, actor_uid, request_id, data_json) VALUES (?, '2029-01-01T00:00:00Z', 'old.event', NULL, NULL, ?)",
    );
    for (let i = 0; i < 4; i++) insert.run(`old-${i}`, JSON.stringify({ i }));
    legacy.close();

    const db = openAgentDatabase(dir);
    new AuditLog({ db, signer }).append({ type: 'new.event', actorUid: 0, requestId: null, data: {} }, new Date());
    const { events } = read(db);
    expect(events.map((e) => e.type)).toEqual(['old.event', 'old.event', 'old.event', 'old.event', 'new.event']);
    expect(verifyChain(events, [], null)).toMatchObject({ ok: true, events: 5 });
    db.close();
  });
});

describe('verifyChain on hand-made logs', () => {
  const chain = (n: number): ChainedEvent[] => {
    const events: ChainedEvent[] = [];
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= n; seq++) {
      const fields = { seq, id: `e${seq}`, at: '2030-01-01T00:00:00.000Z', type: 't', actorUid: null, requestId: null, data: { seq } };
      const hash = chainHash(prev, fields);
      events.push({ ...fields, prevHash: prev, hash });
      prev = hash;
    }
    return events;
  };
  const renumber = (events: ChainedEvent[]) => events.map((e, i) => ({ ...e, seq: i + 1 }));

  it('names an inserted event whose hash the attacker did not bother to compute', () => {
    const events = chain(6);
    const forged: ChainedEvent = { ...events[2]!, id: 'forged', data: { forged: true }, hash: 'f'.repeat(64) };
    expect(verifyChain(renumber([...events.slice(0, 3), forged, ...events.slice(3)]), [], null)).toMatchObject({ ok: false, seq: 4, kind: 'inserted' });
  });

  it('names the first events removed from the head of the log', () => {
    expect(verifyChain(chain(6).slice(2), [], null)).toMatchObject({ ok: false, seq: 1, kind: 'removed' });
    expect(verifyChain(renumber(chain(6).slice(2)), [], null)).toMatchObject({ ok: false, seq: 1, kind: 'removed' });
  });

  it('treats a malformed key or signature as a checkpoint that does not hold', () => {
    const events = chain(3);
    const checkpoint = { seq: 3, hash: events[2]!.hash!, at: 'x', publicKey: 'bm90IGEga2V5', signature: '!!' };
    expect(verifyChain(events, [checkpoint], null)).toMatchObject({ ok: false, seq: 3, kind: 'bad-checkpoint' });
  });
});
