import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElevationRequest } from '../../shared/protocol/src/common/index.ts';
import { chainHash } from '../../apps/agent-service/src/audit/auditChain.ts';
import { connectClient, runAgent } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';

interface Row {
  seq: number;
  id: string;
  at: string;
  type: string;
  actor_uid: number | null;
  request_id: string | null;
  data_json: string;
  prev_hash: string;
  hash: string;
}

const fields = (r: Row, seq = r.seq) => ({
  seq,
  id: r.id,
  at: r.at,
  type: r.type,
  actorUid: r.actor_uid,
  requestId: r.request_id,
  data: JSON.parse(r.data_json) as unknown,
});

describe('tamper-evident audit: keeper-agent audit verify against a real agent database', () => {
  const sandbox = policyAgentSandbox();
  const copies = mkdtempSync(join(tmpdir(), 'keeper-audit-chain-'));
  const sinkFile = join(sandbox.dir, 'audit.jsonl');
  let lastSeq = 0;
  let copyCount = 0;

  /** A copy of the stopped agent's data dir, changed the way an attacker with write access to the file would. */
  const tampered = (attack: (db: Database.Database) => void) => {
    const dir = join(copies, `copy-${++copyCount}`);
    cpSync(sandbox.dataDir, dir, { recursive: true });
    const db = new Database(join(dir, 'agent.db'));
    for (const trigger of ['audit_events_no_update', 'audit_events_no_delete', 'audit_events_chain_fixed']) db.exec(`DROP TRIGGER ${trigger}`);
    attack(db);
    db.close();
    return dir;
  };
  const verify = (...args: string[]) => runAgent(['audit', 'verify', ...args]);
  const row = (db: Database.Database, seq: number) => db.prepare('SELECT * FROM audit_events WHERE seq = ?').get(seq) as Row;

  beforeAll(async () => {
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true' },
      policies: [appPolicy('pol-deny', 'col-true', ['DENY'])],
      config: { audit: { jsonl: sinkFile } },
    });
    const client = await connectClient(sandbox.socket);
    for (let i = 0; i < 12; i++) {
      expect((await client.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [`run-${i}`], cwd: '/' })).state).toBe('denied');
    }
    client.close();
    expect(await sandbox.agent.stop()).toBe(0);
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    lastSeq = (db.prepare('SELECT MAX(seq) AS seq FROM audit_events').get() as { seq: number }).seq;
    // The stop signed the whole log, and appended that checkpoint as the last event (the copy the sinks get).
    expect((db.prepare('SELECT MAX(seq) AS seq FROM audit_checkpoints').get() as { seq: number }).seq).toBe(lastSeq - 1);
    expect(db.prepare('SELECT type, data_json FROM audit_events WHERE seq = ?').get(lastSeq)).toMatchObject({ type: 'audit.checkpoint' });
    db.close();
    expect(lastSeq).toBeGreaterThan(12);
  }, 60_000);

  afterAll(async () => {
    await sandbox.dispose();
    rmSync(copies, { recursive: true, force: true });
  });

  it('keeps the signing key 0600 and proves an untouched log intact (exit 0)', async () => {
    expect(statSync(join(sandbox.dataDir, 'audit-signing.key')).mode & 0o777).toBe(0o600);
    const result = await verify('--data-dir', sandbox.dataDir);
    expect(result.stdout).toContain(`audit log intact: ${lastSeq} events`);
    expect(result.code).toBe(0);
  });

  it('names an edited event', async () => {
    const dir = tampered((db) => db.prepare(`UPDATE audit_events SET data_json = '{"forged":true}' WHERE seq = 7`).run());
    const result = await verify('--data-dir', dir);
    expect(result.stdout).toContain('first bad event seq 7 (edited)');
    expect(result.code).toBe(1);
  });

  it('names a removed event', async () => {
    const dir = tampered((db) => db.prepare('DELETE FROM audit_events WHERE seq = 7').run());
    const result = await verify('--data-dir', dir);
    expect(result.stdout).toContain('first bad event seq 7 (removed)');
    expect(result.code).toBe(1);
  });

  it('names a removed event when the rest were renumbered to close the gap', async () => {
    const dir = tampered((db) => {
      db.prepare('DELETE FROM audit_events WHERE seq = 7').run();
      db.prepare('UPDATE audit_events SET seq = seq + 1000000 WHERE seq > 7').run();
      db.prepare('UPDATE audit_events SET seq = seq - 1000001 WHERE seq > 1000000').run();
    });
    const result = await verify('--data-dir', dir);
    expect(result.stdout).toContain('first bad event seq 7 (removed)');
    expect(result.code).toBe(1);
  });

  it('names reordered events', async () => {
    const dir = tampered((db) => {
      db.prepare('UPDATE audit_events SET seq = -1 WHERE seq = 7').run();
      db.prepare('UPDATE audit_events SET seq = 7 WHERE seq = 8').run();
      db.prepare('UPDATE audit_events SET seq = 8 WHERE seq = -1').run();
    });
    const result = await verify('--data-dir', dir);
    expect(result.stdout).toContain('first bad event seq 7 (reordered)');
    expect(result.code).toBe(1);
  });

  it('names an inserted event, even one hashed onto its predecessor as the agent would', async () => {
    const dir = tampered((db) => {
      const before = row(db, 6);
      db.prepare('UPDATE audit_events SET seq = seq + 1000000 WHERE seq >= 7').run();
      db.prepare('UPDATE audit_events SET seq = seq - 999999 WHERE seq > 1000000').run();
      const forged = { ...before, seq: 7, id: 'forged-event', type: 'elevation.allowed', data_json: '{"forged":true}' };
      db.prepare('INSERT INTO audit_events (seq, id, at, type, actor_uid, request_id, data_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        7,
        forged.id,
        forged.at,
        forged.type,
        forged.actor_uid,
        forged.request_id,
        forged.data_json,
        before.hash,
        chainHash(before.hash, fields(forged)),
      );
    });
    const result = await verify('--data-dir', dir);
    expect(result.stdout).toContain('first bad event seq 7 (inserted)');
    expect(result.code).toBe(1);
  });

  it('detects a truncated tail against the signed checkpoint', async () => {
    const dir = tampered((db) => db.prepare('DELETE FROM audit_events WHERE seq > ?').run(lastSeq - 3));
    const result = await verify('--data-dir', dir);
    expect(result.stdout).toContain(`first bad event seq ${lastSeq - 2} (truncated)`);
    expect(result.code).toBe(1);
  });

  it('detects an edit whose attacker re-hashed the rest of the chain (no signing key): the signed checkpoint no longer matches', async () => {
    const dir = tampered((db) => {
      db.prepare(`UPDATE audit_events SET data_json = '{"forged":true}' WHERE seq = 7`).run();
      const rows = db.prepare('SELECT * FROM audit_events WHERE seq >= 7 ORDER BY seq').all() as Row[];
      let prev = row(db, 6).hash;
      for (const r of rows) {
        const hash = chainHash(prev, fields(r));
        db.prepare('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, r.seq);
        prev = hash;
      }
    });
    const result = await verify('--data-dir', dir);
    expect(result.stdout).toContain('first bad event seq 1 (rewritten)');
    expect(result.code).toBe(1);
  });

  it('exports jsonl that verifies on its own, and names an edited line of it', async () => {
    const file = join(copies, 'export.jsonl');
    const exported = await runAgent(['audit', 'export', '--format', 'jsonl', '--data-dir', sandbox.dataDir, '--output', file]);
    expect(exported.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.includes('"record":"checkpoint"'))).toHaveLength(1);
    expect((await verify('--file', file)).code).toBe(0);

    const edited = join(copies, 'edited.jsonl');
    writeFileSync(
      edited,
      lines.map((l) => (l.includes('"seq":5,') && l.includes('"record":"event"') ? l.replace('"data":{', '"data":{"forged":1,') : l)).join('\n'),
    );
    const result = await verify('--file', edited);
    expect(result.stdout).toContain('first bad event seq 5 (edited)');
    expect(result.code).toBe(1);
  });

  it("verifies the JSON-lines sink's own copy (hashes on every line, the checkpoints as audit.checkpoint events), and names an edit in it", async () => {
    const lines = readFileSync(sinkFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(lastSeq);
    const result = await verify('--file', sinkFile);
    expect(result.stdout).toContain(`audit log intact: ${lastSeq} events, 1 checkpoints, signed through seq ${lastSeq - 1}`);
    expect(result.code).toBe(0);
    const edited = join(copies, 'sink-edited.jsonl');
    writeFileSync(edited, lines.map((l) => (l.includes('"seq":3,') ? l.replace('"data":{', '"data":{"forged":1,') : l)).join('\n'));
    const tamperedResult = await verify('--file', edited);
    expect(tamperedResult.stdout).toContain('first bad event seq 3 (edited)');
    expect(tamperedResult.code).toBe(1);
  });

  it('exports OCSF API Activity records', async () => {
    const result = await runAgent(['audit', 'export', '--format', 'ocsf', '--data-dir', sandbox.dataDir]);
    expect(result.code).toBe(0);
    const records = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { class_uid: number; metadata: { sequence: number } });
    expect(records).toHaveLength(lastSeq);
    expect(records[0]).toMatchObject({ class_uid: 6003, category_uid: 6, metadata: { sequence: 1 } });
  });

  it('exits 2 on a usage mistake', async () => {
    expect((await verify('--data-dir', sandbox.dataDir, '--file', '/dev/null')).code).toBe(2);
    expect((await runAgent(['audit', 'export', '--format', 'csv'])).code).toBe(2);
  });
});
