import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const PROGRAMS = [
  'apt',
  'apt-get',
  'dpkg',
  'snap',
  'systemctl',
  'journalctl',
  'docker',
  'podman',
  'kubectl',
  'mount',
  'umount',
  'ip',
  'iptables',
  'nft',
  'tcpdump',
  'useradd',
  'usermod',
  'passwd',
  'chown',
  'chmod',
  'visudo',
  'crontab',
  'reboot',
  'shutdown',
  'modprobe',
  'sysctl',
  'fdisk',
  'parted',
  'cryptsetup',
  'rsync',
];
const WORDS = [
  'patch',
  'update',
  'install',
  'debug',
  'network',
  'printer',
  'VPN',
  'driver',
  'backup',
  'restore',
  'release',
  'hotfix',
  'audit',
  'ticket',
  'customer',
];
const DECIDED = ['Approved', 'Denied', 'Expired'] as const;
const REQUESTERS = 50;
const sha256Of = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Writes approval records straight into a stopped agent's SQLite store (the approvals table and the
 * audit log), so a list of thousands needs no elevation flow per request. Every `open + decided`
 * rows, newest first one second apart: 50 requesters, 20 machines, 30 programs (half of them
 * hashed, a few of those under a second hash, half matched by path alone), and `decided` of them
 * spread evenly and decided Approved, Denied or Expired. Each request has its
 * `approval.requested` audit event; each approved one an `mfa.verified` by its requester, some a
 * later one by root (the newest is the one that counts, and a verifier other than the requester
 * goes unnamed).
 */
export function seedApprovals(dataDir: string, counts: { open: number; decided: number }, now = Date.now()): void {
  const db = new Database(join(dataDir, 'agent.db'));
  const insert = db.prepare(
    `INSERT INTO approvals (id, request_id, status, requester_uid, requester_name, machine, path, sha256, command_line, justification, policies_json, created_at, expires_at,
                            decided_by_uid, decided_by_name, decided_at)
     VALUES (@id, @requestId, @status, @uid, @name, @machine, @path, @sha256, @commandLine, @justification, @policies, @createdAt, @expiresAt, @decidedBy, @decidedByName, @decidedAt)`,
  );
  const audit = db.prepare(`INSERT INTO audit_events (id, at, type, actor_uid, request_id, data_json) VALUES (?, ?, ?, ?, ?, '{}')`);
  const policies = JSON.stringify([{ policyId: 'pol-seed', policyName: 'Admin approval', status: 'enforce', specificity: 1, controls: ['APPROVAL', 'MFA'] }]);
  const total = counts.open + counts.decided;
  const every = counts.decided > 0 ? total / counts.decided : Infinity;
  db.transaction(() => {
    let decided = 0;
    for (let i = total - 1; i >= 0; i--) {
      const program = PROGRAMS[i % PROGRAMS.length]!;
      const hashed = i % 2 === 0;
      const uid = 10_000 + (i % REQUESTERS);
      const createdAt = new Date(now - i * 1000).toISOString();
      // The decided status turns with i / 30, so each requester's requests for a program get all three.
      const status = i % every < 1 && decided++ < counts.decided ? DECIDED[Math.floor(i / PROGRAMS.length) % DECIDED.length]! : 'Pending';
      const requestId = randomUUID();
      insert.run({
        id: randomUUID(),
        requestId,
        status,
        uid,
        name: `user${i % REQUESTERS}`,
        machine: `host${i % 20}`,
        path: `/usr/bin/${program}`,
        sha256: hashed ? sha256Of(i % 7 === 0 ? `${program} v2` : program) : null,
        commandLine: `/usr/bin/${program} --target item${i}`,
        justification: `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} for ticket ${1000 + i}`,
        policies,
        createdAt,
        expiresAt: new Date(now + 86_400_000 - i * 1000).toISOString(),
        decidedBy: status === 'Pending' ? null : 0,
        decidedByName: status === 'Pending' ? null : 'root',
        decidedAt: status === 'Pending' ? null : createdAt,
      });
      audit.run(randomUUID(), createdAt, 'approval.requested', uid, requestId);
      if (status === 'Approved') {
        audit.run(randomUUID(), createdAt, 'mfa.verified', uid, requestId);
        if (i % 4 === 0) audit.run(randomUUID(), new Date(now - i * 1000 + 500).toISOString(), 'mfa.verified', 0, requestId);
      }
    }
  })();
  db.close();
}

export interface ApprovalExtras {
  readonly requesterHistory: { asked: number; approved: number; denied: number };
  readonly mfa: { verifiedAt: string; user: { uid: number; name: string | null } } | null;
}

/**
 * The extras of every record, computed over the whole store as the agent once did for each list:
 * one grouping of the approvals table for the histories, every `mfa.verified` event (the newest per
 * request wins). The reference a page's answers must equal, wherever the page boundaries fall.
 */
export function wholeTableExtras(db: Database.Database): Map<string, ApprovalExtras> {
  const rows = db.prepare('SELECT id, request_id, status, requester_uid, requester_name, path, sha256 FROM approvals').all() as Array<{
    id: string;
    request_id: string;
    status: string;
    requester_uid: number;
    requester_name: string | null;
    path: string;
    sha256: string | null;
  }>;
  const key = (r: { requester_uid: number; path: string; sha256: string | null }) =>
    `${r.requester_uid}|${r.sha256 === null ? `path:${r.path}` : `sha256:${r.sha256}`}`;
  const totals = new Map<string, { asked: number; approved: number; denied: number }>();
  for (const r of rows) {
    const total = totals.get(key(r)) ?? { asked: 0, approved: 0, denied: 0 };
    totals.set(key(r), {
      asked: total.asked + 1,
      approved: total.approved + (r.status === 'Approved' ? 1 : 0),
      denied: total.denied + (r.status === 'Denied' ? 1 : 0),
    });
  }
  const verified = new Map<string, { at: string; actor_uid: number }>();
  for (const m of db.prepare(`SELECT request_id, at, actor_uid FROM audit_events WHERE type = 'mfa.verified' ORDER BY seq`).all() as Array<{
    request_id: string;
    at: string;
    actor_uid: number;
  }>) {
    verified.set(m.request_id, m);
  }
  return new Map(
    rows.map((r) => {
      const total = totals.get(key(r))!;
      const mfa = verified.get(r.request_id);
      return [
        r.id,
        {
          requesterHistory: {
            asked: total.asked - 1,
            approved: total.approved - (r.status === 'Approved' ? 1 : 0),
            denied: total.denied - (r.status === 'Denied' ? 1 : 0),
          },
          mfa: mfa ? { verifiedAt: mfa.at, user: { uid: mfa.actor_uid, name: mfa.actor_uid === r.requester_uid ? r.requester_name : null } } : null,
        },
      ];
    }),
  );
}
