import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { AgentError, AgentErrorCodes, type Grant } from '../../../../shared/protocol/src/common/index.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import type { KeeperPolicy } from '../policy/policySchema.ts';
import type { Clock, Scheduler } from '../time/clock.ts';
import type { AgentDatabase } from '../store/database.ts';

/** The agent config's `grants` section. Keeper's execution grant defaults to 240 minutes. */
export const GrantSettings = z.strictObject({
  /** Length of an elevated session when a policy says `"ElevatedSession": true`. */
  elevatedSessionMinutes: z.number().positive().default(240),
});
export type GrantSettings = z.infer<typeof GrantSettings>;

interface GrantRow {
  id: string;
  uid: number;
  policy_id: string;
  policy_name: string;
  executable: string;
  sha256: string | null;
  run_as_uid: number;
  run_as_name: string;
  cwd: string;
  request_id: string;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
  end_reason: 'expired' | 'revoked' | null;
  uses: number;
}

/** What a grant covers: one user running one program (as hashed) as one identity, in one working directory. */
export interface GrantScope {
  readonly uid: number;
  readonly executable: string;
  readonly sha256: string | null;
  readonly runAs: { readonly uid: number; readonly name: string };
  readonly cwd: string;
}

const MINUTE = 60_000;

/**
 * Elevated-session grants: after a request passed the controls of a policy that grants a session,
 * further requests of the same scope decided by that policy pass without prompts until the grant
 * expires or its user revokes it. Grants live in SQLite; creation, every use, expiry and revocation
 * are audited, and expiry timers are re-armed after a restart.
 */
export class GrantService {
  private readonly db: AgentDatabase;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly audit: AuditLog;
  private readonly settings: GrantSettings;
  private readonly timers = new Map<string, () => void>();

  constructor(deps: { db: AgentDatabase; clock: Clock; scheduler: Scheduler; audit: AuditLog; settings: GrantSettings }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.scheduler = deps.scheduler;
    this.audit = deps.audit;
    this.settings = deps.settings;
  }

  /** Minutes of elevated session the policy grants (`Extension.ElevatedSession`, validated at load), or null. */
  sessionMinutes(policy: KeeperPolicy): number | null {
    const session = policy.Extension?.ElevatedSession;
    if (session === undefined) return null;
    return session === true ? this.settings.elevatedSessionMinutes : session;
  }

  /** Re-arms expiry for active grants after a start; overdue ones expire at once. */
  resume(): void {
    for (const row of this.db.prepare('SELECT * FROM elevation_grants WHERE ended_at IS NULL').all() as GrantRow[]) this.arm(row);
  }

  stop(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }

  /** An active grant of this scope from one of `policyIds` (the policies that decided the request). */
  find(scope: GrantScope, policyIds: readonly string[]): Grant | null {
    if (policyIds.length === 0) return null;
    const rows = this.db
      .prepare(
        'SELECT * FROM elevation_grants WHERE uid = ? AND executable = ? AND sha256 IS ? AND run_as_uid = ? AND cwd = ? AND ended_at IS NULL AND expires_at > ? ORDER BY expires_at DESC',
      )
      .all(scope.uid, scope.executable, scope.sha256, scope.runAs.uid, scope.cwd, this.clock.now().toISOString()) as GrantRow[];
    const row = rows.find((r) => policyIds.includes(r.policy_id));
    return row ? toGrant(row) : null;
  }

  /** Counts a request that passed through the grant; false if it ended in the meantime. */
  use(grantId: string, requestId: string, actorUid: number): boolean {
    const now = this.clock.now();
    const changed = this.db
      .prepare('UPDATE elevation_grants SET uses = uses + 1 WHERE id = ? AND ended_at IS NULL AND expires_at > ?')
      .run(grantId, now.toISOString()).changes;
    if (changed === 1) this.audit.append({ type: 'grant.used', actorUid, requestId, data: { grantId } }, now);
    return changed === 1;
  }

  create(scope: GrantScope, policy: { id: string; name: string }, minutes: number, requestId: string): Grant {
    const now = this.clock.now();
    const row: GrantRow = {
      id: randomUUID(),
      uid: scope.uid,
      policy_id: policy.id,
      policy_name: policy.name,
      executable: scope.executable,
      sha256: scope.sha256,
      run_as_uid: scope.runAs.uid,
      run_as_name: scope.runAs.name,
      cwd: scope.cwd,
      request_id: requestId,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + minutes * MINUTE).toISOString(),
      ended_at: null,
      end_reason: null,
      uses: 0,
    };
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO elevation_grants (id, uid, policy_id, policy_name, executable, sha256, run_as_uid, run_as_name, cwd, request_id, created_at, expires_at)
           VALUES (@id, @uid, @policy_id, @policy_name, @executable, @sha256, @run_as_uid, @run_as_name, @cwd, @request_id, @created_at, @expires_at)`,
        )
        .run(row);
      this.audit.append(
        {
          type: 'grant.created',
          actorUid: scope.uid,
          requestId,
          data: { grantId: row.id, policyId: policy.id, executable: scope.executable, runAsUid: scope.runAs.uid, expiresAt: row.expires_at },
        },
        now,
      );
    })();
    this.arm(row);
    return toGrant(row);
  }

  list(uid: number, includeEnded: boolean): Grant[] {
    const rows = this.db
      .prepare(`SELECT * FROM elevation_grants WHERE uid = ? ${includeEnded ? '' : 'AND ended_at IS NULL'} ORDER BY created_at DESC LIMIT 200`)
      .all(uid) as GrantRow[];
    return rows.map(toGrant);
  }

  /** Its own user ends a grant; another user's grant is reported as not found. */
  revoke(uid: number, grantId: string): Grant {
    const row = this.row(grantId);
    if (!row || row.uid !== uid) throw new AgentError(AgentErrorCodes.NotFound, `no elevated session ${grantId} of yours`);
    if (row.ended_at !== null)
      throw new AgentError(AgentErrorCodes.Conflict, `this elevated session already ${row.end_reason === 'revoked' ? 'was revoked' : 'expired'}`);
    this.end(row, 'revoked', uid);
    return toGrant(this.row(grantId)!);
  }

  private row(id: string): GrantRow | undefined {
    return this.db.prepare('SELECT * FROM elevation_grants WHERE id = ?').get(id) as GrantRow | undefined;
  }

  private arm(row: GrantRow): void {
    const due = Math.max(0, new Date(row.expires_at).getTime() - this.clock.now().getTime());
    this.timers.set(
      row.id,
      this.scheduler.schedule(due, () => {
        this.timers.delete(row.id);
        const current = this.row(row.id);
        if (current && current.ended_at === null) this.end(current, 'expired', null);
      }),
    );
  }

  private end(row: GrantRow, reason: 'expired' | 'revoked', actorUid: number | null): void {
    const now = this.clock.now();
    this.db.transaction(() => {
      const changed = this.db
        .prepare('UPDATE elevation_grants SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL')
        .run(now.toISOString(), reason, row.id).changes;
      if (changed === 1) this.audit.append({ type: `grant.${reason}`, actorUid, requestId: row.request_id, data: { grantId: row.id, uses: row.uses } }, now);
    })();
    this.timers.get(row.id)?.();
    this.timers.delete(row.id);
  }
}

function toGrant(row: GrantRow): Grant {
  return {
    grantId: row.id,
    state: row.end_reason ?? 'active',
    policyId: row.policy_id,
    policyName: row.policy_name,
    application: { path: row.executable, sha256: row.sha256 },
    runAs: { user: row.run_as_name, uid: row.run_as_uid },
    requestId: row.request_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    endedAt: row.ended_at,
    uses: row.uses,
  };
}
