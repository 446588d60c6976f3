import { randomUUID } from 'node:crypto';
import { chmodSync, closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { chainHash, GENESIS_HASH } from '../audit/auditChain.ts';

export type AgentDatabase = Database.Database;

/** Ordered schema steps; a step never changes once released, new ones are appended (exported for upgrade tests). */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE agent_identity (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     agent_id TEXT NOT NULL,
     created_at TEXT NOT NULL
   )`,
  `CREATE TABLE elevation_requests (
     id TEXT PRIMARY KEY,
     created_at TEXT NOT NULL,
     uid INTEGER,
     user_name TEXT,
     policy_type TEXT NOT NULL,
     executable TEXT NOT NULL,
     sha256 TEXT,
     command_line TEXT NOT NULL,
     cwd TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('allowed', 'denied', 'pending')),
     decision_json TEXT NOT NULL
   );
   CREATE INDEX elevation_requests_by_user ON elevation_requests (uid, created_at);
   -- Append-only; delivered_at is the outbox marker for the SIEM sinks.
   CREATE TABLE audit_events (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     at TEXT NOT NULL,
     type TEXT NOT NULL,
     actor_uid INTEGER,
     request_id TEXT,
     data_json TEXT NOT NULL,
     delivered_at TEXT
   );
   CREATE TRIGGER audit_events_no_update BEFORE UPDATE OF id, at, type, actor_uid, request_id, data_json ON audit_events
   BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
   CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
   BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;`,
  `ALTER TABLE elevation_requests ADD COLUMN reason TEXT NOT NULL DEFAULT '';
   ALTER TABLE elevation_requests ADD COLUMN current_control TEXT;
   ALTER TABLE elevation_requests ADD COLUMN passed_json TEXT NOT NULL DEFAULT '[]';
   ALTER TABLE elevation_requests ADD COLUMN justification TEXT;
   ALTER TABLE elevation_requests ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';`,
  // MFA (TOTP): secrets are AES-256-GCM ciphertexts (key in <dataDir>/mfa.key), never plaintext.
  `CREATE TABLE mfa_enrollments (
     uid INTEGER PRIMARY KEY,
     secret_ciphertext BLOB NOT NULL,
     secret_iv BLOB NOT NULL,
     secret_tag BLOB NOT NULL,
     enrolled_at TEXT NOT NULL,
     -- RFC 6238 time step of the last accepted code: a code of this step or an earlier one is a replay.
     last_time_step INTEGER
   );
   CREATE TABLE mfa_pending_enrollments (
     id TEXT PRIMARY KEY,
     uid INTEGER NOT NULL,
     secret_ciphertext BLOB NOT NULL,
     secret_iv BLOB NOT NULL,
     secret_tag BLOB NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL
   );
   CREATE INDEX mfa_pending_enrollments_by_user ON mfa_pending_enrollments (uid);
   CREATE TABLE mfa_failures (
     uid INTEGER PRIMARY KEY,
     consecutive_failures INTEGER NOT NULL DEFAULT 0,
     lockouts INTEGER NOT NULL DEFAULT 0,
     locked_until TEXT
   );
   CREATE TABLE mfa_sessions (
     uid INTEGER NOT NULL,
     action_type TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     PRIMARY KEY (uid, action_type)
   );`,
  `CREATE TABLE approvals (
     id TEXT PRIMARY KEY,
     request_id TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('Pending', 'Approved', 'Denied', 'Escalated', 'Expired')),
     requester_uid INTEGER NOT NULL,
     requester_name TEXT,
     machine TEXT NOT NULL,
     path TEXT NOT NULL,
     sha256 TEXT,
     command_line TEXT NOT NULL,
     justification TEXT NOT NULL,
     policies_json TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     escalated_at TEXT,
     decided_by_uid INTEGER,
     decided_by_name TEXT,
     decided_at TEXT,
     decision_reason TEXT,
     usable_until TEXT,
     consumed_at TEXT
   );
   CREATE INDEX approvals_open ON approvals (status, expires_at);
   CREATE INDEX approvals_reuse ON approvals (requester_uid, command_line);`,
  `CREATE TABLE audit_sink_cursors (sink TEXT PRIMARY KEY, last_seq INTEGER NOT NULL);`,
  `ALTER TABLE elevation_requests ADD COLUMN args_json TEXT NOT NULL DEFAULT '[]';
   ALTER TABLE elevation_requests ADD COLUMN run_at TEXT;`,
  // Keeper.RunAs targets and elevated-session grants (Extension.ElevatedSession).
  `ALTER TABLE elevation_requests ADD COLUMN run_as_json TEXT;
   ALTER TABLE elevation_requests ADD COLUMN grant_id TEXT;
   CREATE TABLE elevation_grants (
     id TEXT PRIMARY KEY,
     uid INTEGER NOT NULL,
     policy_id TEXT NOT NULL,
     policy_name TEXT NOT NULL,
     executable TEXT NOT NULL,
     sha256 TEXT,
     run_as_uid INTEGER NOT NULL,
     run_as_name TEXT NOT NULL,
     request_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     ended_at TEXT,
     end_reason TEXT CHECK (end_reason IN ('expired', 'revoked')),
     uses INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX elevation_grants_lookup ON elevation_grants (uid, executable, run_as_uid, ended_at);`,
  // Approvers see the application's verified publisher and the request's MFA verification.
  `ALTER TABLE approvals ADD COLUMN signer TEXT;
   CREATE INDEX audit_events_by_request ON audit_events (request_id, type);`,
  // A page of approvals.list walks the list order and its filters, and counts its requesters' histories, in indexes alone.
  `CREATE INDEX approvals_newest ON approvals (created_at DESC, id, status, escalated_at);
   CREATE INDEX approvals_history ON approvals (requester_uid, sha256, path, status);`,
  // A request's reason as a code plus values (ReasonDetail), so windows word it; NULL for older rows.
  `ALTER TABLE elevation_requests ADD COLUMN reason_detail_json TEXT;`,
  // job_runs was the jobs engine's own table (made by the engine when missing); its reasons gain codes (JobReasonDetail).
  `CREATE TABLE IF NOT EXISTS job_runs (
     id TEXT PRIMARY KEY,
     job_id TEXT NOT NULL,
     trigger TEXT NOT NULL,
     event_type TEXT,
     actor_uid INTEGER,
     request_id TEXT,
     status TEXT NOT NULL,
     reason TEXT,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     duration_ms INTEGER,
     alternate_of TEXT,
     tasks_json TEXT NOT NULL DEFAULT '[]'
   );
   CREATE INDEX IF NOT EXISTS job_runs_by_start ON job_runs (started_at);
   ALTER TABLE job_runs ADD COLUMN reason_detail_json TEXT;`,
  // A first MFA enrollment needs a one-time code an administrator issued (keeper-agent mfa issue); only its hash is kept.
  `CREATE TABLE mfa_enrollment_codes (
     uid INTEGER PRIMARY KEY,
     code_hash TEXT NOT NULL,
     issued_by INTEGER,
     issued_at TEXT NOT NULL,
     expires_at TEXT NOT NULL
   );`,
  // An approval and an elevated session cover the working directory they were asked from (NULL for older rows: never reused).
  `ALTER TABLE approvals ADD COLUMN cwd TEXT;
   ALTER TABLE elevation_grants ADD COLUMN cwd TEXT;`,
  // Tamper-evident audit (docs/audit.md): each event's hash chains to the one before it; signed checkpoints
  // pin the chain. Rows from before this step are chained by chainUnhashedAuditEvents in the same transaction.
  `ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
   ALTER TABLE audit_events ADD COLUMN hash TEXT;
   CREATE TRIGGER audit_events_chain_fixed BEFORE UPDATE OF seq, prev_hash, hash ON audit_events WHEN OLD.hash IS NOT NULL
   BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
   CREATE TABLE audit_checkpoints (
     seq INTEGER PRIMARY KEY,
     hash TEXT NOT NULL,
     at TEXT NOT NULL,
     public_key TEXT NOT NULL,
     signature TEXT NOT NULL
   );
   CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
   BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
   CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
   BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;`,
  // Approval quorum (Extension.ApprovalQuorum): distinct approvers a request needs, and who approved so far
  // (`voter` is "uid:N" for this machine's approvers, "name:N" for those a fleet server counted).
  `ALTER TABLE approvals ADD COLUMN quorum INTEGER NOT NULL DEFAULT 1;
   CREATE TABLE approval_votes (
     approval_id TEXT NOT NULL REFERENCES approvals (id),
     voter TEXT NOT NULL,
     approver_uid INTEGER NOT NULL,
     approver_name TEXT,
     at TEXT NOT NULL,
     PRIMARY KEY (approval_id, voter)
   );`,
  // Approvers see what the agent detected about an AI agent acting for the requester (docs/agentic.md); NULL: not agentic.
  `ALTER TABLE approvals ADD COLUMN agentic_json TEXT;`,
];

/** The step that added the audit chain: upgrading through it chains the rows that were already there. */
const AUDIT_CHAIN_STEP = MIGRATIONS.findIndex((step) => step.includes('ADD COLUMN prev_hash'));

/** The database and its WAL files hold every user's justifications, approvals and audit trail. */
const DATABASE_FILES = ['agent.db', 'agent.db-wal', 'agent.db-shm'] as const;

/** 0600 whatever the umask, and for files an older agent made with the umask's mode too. */
function restrictDatabaseFiles(dataDir: string): void {
  for (const name of DATABASE_FILES) {
    try {
      chmodSync(join(dataDir, name), 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

export function openAgentDatabase(dataDir: string): AgentDatabase {
  const path = join(dataDir, 'agent.db');
  // Made 0600 before SQLite opens it: SQLite gives the -wal and -shm files the database file's mode.
  closeSync(openSync(path, 'a', 0o600));
  restrictDatabaseFiles(dataDir);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  restrictDatabaseFiles(dataDir);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

function migrate(db: AgentDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const apply = db.transaction(() => {
    for (let version = current; version < MIGRATIONS.length; version++) {
      db.exec(MIGRATIONS[version]!);
      if (version === AUDIT_CHAIN_STEP) chainUnhashedAuditEvents(db);
      db.pragma(`user_version = ${version + 1}`);
    }
  });
  apply();
}

/** Chains, in seq order, the events an older agent wrote before events carried hashes. */
function chainUnhashedAuditEvents(db: AgentDatabase): void {
  const rows = db.prepare('SELECT seq, id, at, type, actor_uid, request_id, data_json FROM audit_events ORDER BY seq').iterate() as IterableIterator<{
    seq: number;
    id: string;
    at: string;
    type: string;
    actor_uid: number | null;
    request_id: string | null;
    data_json: string;
  }>;
  const update = db.prepare('UPDATE audit_events SET prev_hash = ?, hash = ? WHERE seq = ?');
  const updates: [string, string, number][] = [];
  let prev = GENESIS_HASH;
  for (const row of rows) {
    const hash = chainHash(prev, {
      seq: row.seq,
      id: row.id,
      at: row.at,
      type: row.type,
      actorUid: row.actor_uid,
      requestId: row.request_id,
      data: JSON.parse(row.data_json),
    });
    updates.push([prev, hash, row.seq]);
    prev = hash;
  }
  for (const args of updates) update.run(...args);
}

/** The agent's stable identity (the "agent uid" of approval records), created on first start. */
export function loadAgentId(db: AgentDatabase, now: Date): string {
  const row = db.prepare('SELECT agent_id FROM agent_identity WHERE id = 1').get() as { agent_id: string } | undefined;
  if (row) return row.agent_id;
  const agentId = randomUUID();
  db.prepare('INSERT INTO agent_identity (id, agent_id, created_at) VALUES (1, ?, ?)').run(agentId, now.toISOString());
  return agentId;
}
