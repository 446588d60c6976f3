import { randomUUID } from 'node:crypto';
import {
  AgentError,
  AgentErrorCodes,
  ApprovalsChanged,
  type AgenticDetection,
  type Approval,
  type ApprovalStatus,
  type DecisionSummary,
} from '../../../../shared/protocol/src/common/index.ts';
import type { FleetApproval, FleetSentTo } from '../../../../shared/protocol/src/common/fleet.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import type { Account } from '../identity/accounts.ts';
import type { ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import type { Notifier } from '../ipc/notifier.ts';
import type { Logger } from '../log/logger.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { Clock, Scheduler } from '../time/clock.ts';
import { ApprovalExtrasReader } from './approvalExtras.ts';
import type { ApprovalSettings } from './approvalSettings.ts';
import { ApproverRoles, type ApprovalRole } from './approverRoles.ts';

interface ApprovalRow {
  id: string;
  request_id: string;
  status: ApprovalStatus;
  requester_uid: number;
  requester_name: string | null;
  machine: string;
  path: string;
  sha256: string | null;
  signer: string | null;
  command_line: string;
  cwd: string | null;
  justification: string;
  policies_json: string;
  created_at: string;
  expires_at: string;
  escalated_at: string | null;
  decided_by_uid: number | null;
  decided_by_name: string | null;
  decided_at: string | null;
  decision_reason: string | null;
  usable_until: string | null;
  consumed_at: string | null;
  quorum: number;
  agentic_json: string | null;
}

interface VoteRow {
  approval_id: string;
  approver_uid: number;
  approver_name: string | null;
  at: string;
}

export interface NewApproval {
  readonly requestId: string;
  readonly requester: { readonly uid: number; readonly name: string | null };
  readonly machine: string;
  readonly application: { readonly path: string; readonly sha256: string | null; readonly commandLine: string; readonly signer?: string | null };
  /** The working directory the program would run in: shown to approvers, and part of what the approval covers. */
  readonly cwd: string;
  readonly justification: string;
  readonly matchedPolicies: DecisionSummary['matched'];
  /** Distinct approvers the request needs (policy `Extension.ApprovalQuorum`); absent: one. */
  readonly quorum?: number;
  /** What the agent detected about an AI agent acting for the requester (docs/agentic.md); absent or null: not agentic. */
  readonly agentic?: AgenticDetection | null;
}

/** Where requests go when the agent works with a fleet: the server owns the queue, its timers and its approvers. */
export interface RemoteApprovals {
  file(input: NewApproval): Promise<FleetApproval>;
  /** Takes the filed request back on the server (approvers' queues drop it). */
  withdraw?(requestId: string): Promise<FleetApproval>;
}

const MINUTE = 60_000;
/**
 * A withdrawn request: Keeper's statuses are fixed, so it ends Expired (nobody can decide it any
 * more, as with a timeout) and the decision names the requester with this reason.
 */
export const WITHDRAWN_REASON = 'withdrawn by the requester';
const OPEN: readonly ApprovalStatus[] = ['Pending', 'Escalated'];
/**
 * The list holds every open request, however old (those are what an approver is there to decide),
 * and the newest decided ones only: decided records pile up for as long as the agent runs, and the
 * audit, not the queue, is where they are kept.
 */
const DECIDED_WINDOW = 2_000;

/**
 * Admin approvals: records with Keeper's statuses, the seed's timers (a Pending request escalates
 * to the secondary approvers, or expires when there are none; an Escalated one expires later),
 * roles from configured users and groups, and exactly one decision per request (the SQL update only
 * matches an open request). Records and timers survive a restart: `resume()` re-arms them.
 */
export class ApprovalService {
  private readonly db: AgentDatabase;
  private readonly clock: Clock;
  private readonly scheduler: Scheduler;
  private readonly audit: AuditLog;
  private readonly registry: ConnectionRegistry;
  private readonly notifier: Notifier;
  private readonly log: Logger;
  private readonly settings: ApprovalSettings;
  private readonly accounts: (uid: number) => Promise<Account>;
  private readonly roles: ApproverRoles;
  private readonly extras: ApprovalExtrasReader;
  private readonly remote: RemoteApprovals | null;
  private readonly timers = new Map<string, () => void>();
  private readonly waiters = new Map<string, Array<(approval: Approval) => void>>();
  private readonly listeners = new Set<(approval: Approval) => void>();
  private outbox: Promise<void> = Promise.resolve();
  /** With a fleet: who the server sends each filed request to (its roles, not this agent's settings); the newest requests only. */
  private readonly fleetSentTo = new Map<string, FleetSentTo>();

  constructor(deps: {
    db: AgentDatabase;
    clock: Clock;
    scheduler: Scheduler;
    audit: AuditLog;
    registry: ConnectionRegistry;
    notifier: Notifier;
    log: Logger;
    settings: ApprovalSettings;
    accounts: (uid: number) => Promise<Account>;
    /** With a fleet: requests are filed there and this store only mirrors them (no local timers or deciders). */
    remote?: RemoteApprovals;
  }) {
    this.db = deps.db;
    this.clock = deps.clock;
    this.scheduler = deps.scheduler;
    this.audit = deps.audit;
    this.registry = deps.registry;
    this.notifier = deps.notifier;
    this.log = deps.log;
    this.settings = deps.settings;
    this.accounts = deps.accounts;
    this.roles = new ApproverRoles({ settings: deps.settings, accounts: deps.accounts });
    this.extras = new ApprovalExtrasReader({ db: deps.db });
    this.remote = deps.remote ?? null;
  }

  /** Re-arms the timers of open requests after a start; overdue ones move on at once. */
  resume(): void {
    const rows = this.db.prepare(`SELECT * FROM approvals WHERE status IN ('Pending', 'Escalated')`).all() as ApprovalRow[];
    for (const row of rows) this.arm(row);
  }

  /** Stops the timers and releases every flow still waiting (with the request as it stands), so shutdown never hangs. */
  stop(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    for (const [id, resolvers] of this.waiters) {
      const row = this.row(id);
      if (row) for (const resolve of resolvers) resolve(this.view(row));
    }
    this.waiters.clear();
  }

  /** The caller's roles; the directory may be slow, so they are awaited, never looked up blocking. */
  rolesOf(uid: number | null): Promise<ApprovalRole[]> {
    return this.roles.rolesOf(uid);
  }

  /** Every change of a request (created, escalated, decided, expired, withdrawn); returns the unsubscribe. */
  onChange(listener: (approval: Approval) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Who may decide a request in `status` now: the configured names (administrators always may). */
  sentTo(status: ApprovalStatus, approvalId?: string): { users: string[]; groups: string[] } {
    const fleet = approvalId === undefined ? undefined : this.fleetSentTo.get(approvalId);
    if (fleet) return status === 'Escalated' ? fleet.escalated : fleet.pending;
    const who =
      status === 'Escalated' ? [this.settings.secondaryApprovers, this.settings.administrators] : [this.settings.approvers, this.settings.administrators];
    return { users: [...new Set(who.flatMap((p) => p.users))], groups: [...new Set(who.flatMap((p) => p.groups))] };
  }

  /** What an open request in `status` does at its deadline when nobody decides it. */
  nextStep(status: ApprovalStatus): 'escalate' | 'expire' {
    return status === 'Pending' && this.hasSecondaryApprovers() ? 'escalate' : 'expire';
  }

  /**
   * The requester takes an open request back: it ends Expired with WITHDRAWN_REASON, so approvers
   * can no longer decide it. Null when it was no longer open (decided or expired first).
   */
  withdraw(approvalId: string, uid: number): Approval | null {
    const now = this.clock.now();
    const changed = this.db
      .prepare(
        `UPDATE approvals SET status = 'Expired', decided_by_uid = @uid, decided_by_name = requester_name, decided_at = @at, decision_reason = @reason
         WHERE id = @id AND requester_uid = @uid AND status IN ('Pending', 'Escalated')`,
      )
      .run({ id: approvalId, uid, at: now.toISOString(), reason: WITHDRAWN_REASON }).changes;
    if (changed === 0) return null;
    const row = this.row(approvalId)!;
    this.audit.append({ type: 'approval.withdrawn', actorUid: uid, requestId: row.request_id, data: { approvalId } }, now);
    // Locally it is over at once; the server is told in the background (its timer expires the
    // request if it cannot be reached, and a decision arriving later is ignored: applyRemote takes
    // news only for open requests).
    this.remote
      ?.withdraw?.(row.request_id)
      .catch((error: unknown) =>
        this.log.warn(
          { approvalId, err: error instanceof Error ? error.message : String(error) },
          'the fleet was not told of a withdrawal; its timer expires the request',
        ),
      );
    return this.settle(approvalId);
  }

  /**
   * Opens a request: locally, or with a fleet, filed on the server first (offline that throws the
   * protocol's Offline error) and mirrored here under the server's id, so waiting, reuse and
   * consumption stay local: what runs is what this machine asked for, whatever the server says.
   */
  async open(input: NewApproval): Promise<Approval> {
    if (!this.remote) return this.create(input);
    const filed = await this.remote.file(input);
    if (filed.sentTo) {
      this.fleetSentTo.delete(filed.approvalId);
      this.fleetSentTo.set(filed.approvalId, filed.sentTo);
      for (const oldest of this.fleetSentTo.keys()) {
        if (this.fleetSentTo.size <= 1_000) break;
        this.fleetSentTo.delete(oldest);
      }
    }
    const existing = this.row(filed.approvalId);
    if (existing) {
      this.applyRemote(filed);
      return this.view(this.row(filed.approvalId)!);
    }
    const now = this.clock.now();
    this.insert(filed.approvalId, input, now, filed.expiresAt);
    this.audit.append(
      {
        type: 'approval.requested',
        actorUid: input.requester.uid,
        requestId: input.requestId,
        data: { approvalId: filed.approvalId, justification: input.justification, ...quorumData(input.quorum), fleet: true },
      },
      now,
    );
    if (filed.status !== 'Pending') this.applyRemote(filed);
    const row = this.row(filed.approvalId)!;
    this.publish(row);
    return this.view(row);
  }

  /**
   * The fleet's news about one of this machine's requests. Only the status and the decision are
   * taken from it, only for a request this agent filed (same id and request id) and still open: a
   * server cannot approve anything this machine did not ask for, nor reopen or change a request.
   * An approval is usable no longer than this agent's own setting allows.
   */
  applyRemote(approval: FleetApproval): void {
    const row = this.row(approval.approvalId);
    if (!row || row.request_id !== approval.requestId || !OPEN.includes(row.status)) return;
    const now = this.clock.now();
    // Before a final status too, so the decided request names everyone who approved it.
    if (this.mirrorVotes(row, approval.quorum?.approvals ?? [], now, OPEN.includes(approval.status)) && approval.status === 'Pending') {
      this.publish(this.row(row.id)!);
    }
    if (approval.status === 'Pending') return;
    if (approval.status === 'Escalated') {
      this.db
        .prepare(`UPDATE approvals SET status = 'Escalated', escalated_at = ?, expires_at = ? WHERE id = ? AND status IN ('Pending', 'Escalated')`)
        .run(approval.escalatedAt ?? now.toISOString(), approval.expiresAt, row.id);
      this.audit.append(
        { type: 'approval.escalated', actorUid: null, requestId: row.request_id, data: { approvalId: row.id, expiresAt: approval.expiresAt, fleet: true } },
        now,
      );
      this.publish(this.row(row.id)!);
      return;
    }
    const decision = approval.decision;
    if ((approval.status === 'Approved' || approval.status === 'Denied') && decision) {
      const cap = now.getTime() + this.settings.approvedUsableMinutes * MINUTE;
      const usableUntil = approval.status === 'Approved' ? new Date(Math.min(cap, Date.parse(decision.usableUntil ?? '') || cap)).toISOString() : null;
      this.db
        .prepare(
          `UPDATE approvals SET status = @status, decided_by_uid = @uid, decided_by_name = @name, decided_at = @at, decision_reason = @reason, usable_until = @usableUntil
           WHERE id = @id AND status IN ('Pending', 'Escalated')`,
        )
        .run({
          id: row.id,
          status: approval.status,
          uid: decision.by.uid,
          name: decision.by.name,
          at: now.toISOString(),
          reason: decision.reason,
          usableUntil,
        });
      this.audit.append(
        {
          type: approval.status === 'Approved' ? 'approval.approved' : 'approval.denied',
          actorUid: null,
          requestId: row.request_id,
          data: { approvalId: row.id, by: decision.by.name, reason: decision.reason, usableUntil, fleet: true },
        },
        now,
      );
    } else {
      this.db.prepare(`UPDATE approvals SET status = 'Expired' WHERE id = ? AND status IN ('Pending', 'Escalated')`).run(row.id);
      this.audit.append({ type: 'approval.expired', actorUid: null, requestId: row.request_id, data: { approvalId: row.id, fleet: true } }, now);
    }
    this.settle(row.id);
  }

  /**
   * The fleet's count of a quorum request's approvers, kept here (by name: the fleet's identity of a
   * person) so the requester's window shows it; each newly counted approver short of the decision is
   * audited (`partial`; the decision's own event names the last). True when any was new.
   */
  private mirrorVotes(row: ApprovalRow, votes: NonNullable<Approval['quorum']>['approvals'], now: Date, partial: boolean): boolean {
    let added = 0;
    for (const vote of votes) {
      const voter = `name:${vote.by.name ?? vote.by.uid}`;
      const inserted = this.db
        .prepare(`INSERT OR IGNORE INTO approval_votes (approval_id, voter, approver_uid, approver_name, at) VALUES (?, ?, ?, ?, ?)`)
        .run(row.id, voter, vote.by.uid, vote.by.name, vote.at).changes;
      if (inserted === 0) continue;
      added++;
      if (!partial) continue;
      this.audit.append(
        {
          type: 'approval.partial',
          actorUid: null,
          requestId: row.request_id,
          data: { approvalId: row.id, by: vote.by.name, approvals: this.voteCount(row.id), required: row.quorum, fleet: true },
        },
        now,
      );
    }
    return added > 0;
  }

  private voteCount(approvalId: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM approval_votes WHERE approval_id = ?').get(approvalId) as { n: number }).n;
  }

  /** The approval's row, as filed here or with the fleet (`id` and expiry are then the fleet's). */
  private insert(id: string, input: NewApproval, now: Date, expiresAt: string): void {
    this.db
      .prepare(
        `INSERT INTO approvals (id, request_id, status, requester_uid, requester_name, machine, path, sha256, signer, command_line, cwd, justification, policies_json, created_at, expires_at, quorum, agentic_json)
         VALUES (@id, @requestId, 'Pending', @uid, @name, @machine, @path, @sha256, @signer, @commandLine, @cwd, @justification, @policies, @createdAt, @expiresAt, @quorum, @agentic)`,
      )
      .run({
        id,
        requestId: input.requestId,
        uid: input.requester.uid,
        name: input.requester.name,
        machine: input.machine,
        path: input.application.path,
        sha256: input.application.sha256,
        signer: input.application.signer ?? null,
        commandLine: input.application.commandLine,
        cwd: input.cwd,
        justification: input.justification,
        policies: JSON.stringify(input.matchedPolicies),
        createdAt: now.toISOString(),
        expiresAt,
        quorum: input.quorum ?? 1,
        agentic: input.agentic ? JSON.stringify(input.agentic) : null,
      });
  }

  create(input: NewApproval): Approval {
    const now = this.clock.now();
    const escalates = this.hasSecondaryApprovers();
    const deadline = new Date(now.getTime() + (escalates ? this.settings.escalateAfterMinutes : this.settings.requestExpiryMinutes) * MINUTE);
    const id = randomUUID();
    this.insert(id, input, now, deadline.toISOString());
    this.audit.append(
      {
        type: 'approval.requested',
        actorUid: input.requester.uid,
        requestId: input.requestId,
        data: { approvalId: id, justification: input.justification, ...quorumData(input.quorum) },
      },
      now,
    );
    const row = this.row(id)!;
    this.arm(row);
    this.publish(row);
    return this.view(row);
  }

  /**
   * An open request for the same user, command and working directory (to wait on), or an approved,
   * unused one (to consume). The folder is part of what approvers saw: a program run elsewhere reads
   * other files (`./configure`, a local config), so an approval never moves to another folder.
   */
  findReusable(uid: number, sha256: string | null, commandLine: string, cwd: string): Approval | null {
    const row = this.db
      .prepare(
        `SELECT * FROM approvals WHERE requester_uid = ? AND sha256 IS ? AND command_line = ? AND cwd = ?
           AND (status IN ('Pending', 'Escalated') OR (status = 'Approved' AND consumed_at IS NULL AND usable_until > ?))
         ORDER BY created_at DESC LIMIT 1`,
      )
      .get(uid, sha256, commandLine, cwd, this.clock.now().toISOString()) as ApprovalRow | undefined;
    return row ? this.view(row) : null;
  }

  /** Marks an approved request used; false if it was used already or is no longer usable. */
  consume(approvalId: string, requestId: string): boolean {
    const now = this.clock.now().toISOString();
    const changed = this.db
      .prepare(`UPDATE approvals SET consumed_at = ? WHERE id = ? AND status = 'Approved' AND consumed_at IS NULL AND usable_until > ?`)
      .run(now, approvalId, now).changes;
    if (changed === 1) this.audit.append({ type: 'approval.consumed', actorUid: null, requestId, data: { approvalId } }, this.clock.now());
    return changed === 1;
  }

  /** Resolves once the request is Approved, Denied or Expired. */
  waitForDecision(approvalId: string): Promise<Approval> {
    const row = this.row(approvalId);
    if (!row) return Promise.reject(new Error(`no approval ${approvalId}`));
    if (!OPEN.includes(row.status)) return Promise.resolve(this.view(row));
    return new Promise((resolve) => {
      const list = this.waiters.get(approvalId) ?? [];
      list.push(resolve);
      this.waiters.set(approvalId, list);
    });
  }

  async list(
    uid: number | null,
    params: { statuses?: readonly ApprovalStatus[] | undefined; offset?: number | undefined; limit?: number | undefined } = {},
  ): Promise<{ roles: ApprovalRole[]; approvals: Approval[]; nextOffset?: number | null }> {
    const roles = await this.rolesOf(uid);
    if (roles.length === 0) throw new AgentError(AgentErrorCodes.Unauthorized, 'you are not an approver on this machine');
    if (params.limit === undefined) return { roles, approvals: this.views(this.visible(roles, params.statuses, 0, -1)) };
    const start = params.offset ?? 0;
    // One row more than the page says whether another page follows.
    const rows = this.visible(roles, params.statuses, start, params.limit + 1);
    return { roles, approvals: this.views(rows.slice(0, params.limit)), nextOffset: rows.length > params.limit ? start + params.limit : null };
  }

  async decide(
    uid: number | null,
    params: { approvalId: string; decision: 'approve' | 'deny'; reason?: string | undefined; usableMinutes?: number | undefined },
  ): Promise<Approval> {
    const account = uid === null ? null : await this.accounts(uid);
    const roles = uid === null || account === null ? [] : this.roles.ofAccount(uid, account);
    const row = this.row(params.approvalId);
    if (!row || !this.canSee(roles, row)) {
      if (roles.length === 0 && uid !== null) {
        this.audit.append(
          { type: 'approval.refused', actorUid: uid, requestId: row?.request_id ?? null, data: { approvalId: params.approvalId, reason: 'not an approver' } },
          this.clock.now(),
        );
        throw new AgentError(AgentErrorCodes.Unauthorized, 'you are not an approver on this machine');
      }
      throw new AgentError(AgentErrorCodes.NotFound, `no approval request ${params.approvalId} that you may decide`);
    }
    if (!this.canDecide(roles, row))
      throw new AgentError(AgentErrorCodes.Unauthorized, 'only secondary approvers and administrators may decide an escalated request');
    // A quorum is of people other than the requester, whatever allowSelfApproval says.
    if (row.requester_uid === uid && (!this.settings.allowSelfApproval || row.quorum > 1)) {
      this.audit.append(
        { type: 'approval.refused', actorUid: uid, requestId: row.request_id, data: { approvalId: row.id, reason: 'self-approval' } },
        this.clock.now(),
      );
      throw new AgentError(AgentErrorCodes.Unauthorized, 'you cannot decide your own request');
    }
    const now = this.clock.now();
    if (params.decision === 'approve' && row.quorum > 1) {
      const counted = this.vote(row, uid!, account!.name, now);
      if (counted !== 'reached') {
        if (counted === 'closed') throw this.notOpen(row.id, now);
        return this.view(this.row(row.id)!);
      }
    }
    const usableUntil =
      params.decision === 'approve'
        ? new Date(now.getTime() + Math.min(params.usableMinutes ?? Infinity, this.settings.approvedUsableMinutes) * MINUTE).toISOString()
        : null;
    const changed = this.db
      .prepare(
        `UPDATE approvals SET status = @status, decided_by_uid = @uid, decided_by_name = @name, decided_at = @at, decision_reason = @reason, usable_until = @usableUntil
         WHERE id = @id AND status IN ('Pending', 'Escalated') AND expires_at > @at`,
      )
      .run({
        id: row.id,
        status: params.decision === 'approve' ? 'Approved' : 'Denied',
        uid,
        name: account!.name,
        at: now.toISOString(),
        reason: params.reason || null,
        usableUntil,
      }).changes;
    if (changed === 0) throw this.notOpen(row.id, now);
    this.audit.append(
      {
        type: params.decision === 'approve' ? 'approval.approved' : 'approval.denied',
        actorUid: uid,
        requestId: row.request_id,
        data: {
          approvalId: row.id,
          reason: params.reason ?? null,
          usableUntil,
          ...(row.quorum > 1 ? { approvals: this.voteCount(row.id), required: row.quorum } : {}),
        },
      },
      now,
    );
    return this.settle(row.id);
  }

  /** Why a request can no longer be decided: withdrawn, expired, or decided by someone else. */
  private notOpen(id: string, now: Date): AgentError {
    const current = this.row(id)!;
    if (current.status === 'Expired' && current.decision_reason === WITHDRAWN_REASON) {
      return new AgentError(AgentErrorCodes.Expired, 'the requester withdrew this request');
    }
    if (current.status === 'Expired' || (OPEN.includes(current.status) && current.expires_at <= now.toISOString())) {
      return new AgentError(AgentErrorCodes.Expired, 'this request expired before it was decided');
    }
    return new AgentError(
      AgentErrorCodes.Conflict,
      `this request was already ${current.status.toLowerCase()} by ${current.decided_by_name ?? `uid ${current.decided_by_uid}`}`,
      {
        approval: this.view(current),
      },
    );
  }

  /**
   * Counts one approver towards a quorum request, once per person (a repeat changes nothing). The
   * check, the vote and the count are one synchronous transaction, so racing approvers on this agent
   * see each other's votes and exactly one of them reaches the quorum. A vote short of it is audited
   * and published (the requester's window and the queue show who approved so far).
   */
  private vote(row: ApprovalRow, uid: number, name: string | null, now: Date): 'counted' | 'repeat' | 'reached' | 'closed' {
    const counted = this.db.transaction(() => {
      const open = this.db
        .prepare(`SELECT 1 FROM approvals WHERE id = ? AND status IN ('Pending', 'Escalated') AND expires_at > ?`)
        .get(row.id, now.toISOString());
      if (!open) return 'closed' as const;
      const inserted = this.db
        .prepare(`INSERT OR IGNORE INTO approval_votes (approval_id, voter, approver_uid, approver_name, at) VALUES (?, ?, ?, ?, ?)`)
        .run(row.id, `uid:${uid}`, uid, name, now.toISOString()).changes;
      const count = this.voteCount(row.id);
      if (count >= row.quorum) return 'reached' as const;
      if (inserted === 0) return 'repeat' as const;
      this.audit.append(
        { type: 'approval.partial', actorUid: uid, requestId: row.request_id, data: { approvalId: row.id, by: name, approvals: count, required: row.quorum } },
        now,
      );
      return 'counted' as const;
    })();
    if (counted === 'counted') this.publish(this.row(row.id)!);
    return counted;
  }

  /**
   * The listed records (every open one and the newest DECIDED_WINDOW decided ones), newest first,
   * that `roles` may see (with `statuses`, in one of those): `limit` of them (-1: all) from `offset`,
   * filtered and cut in SQL so a page reads a page.
   */
  private visible(roles: readonly ApprovalRole[], statuses: readonly ApprovalStatus[] | undefined, offset: number, limit: number): ApprovalRow[] {
    // The oldest decided record still listed; older decided ones are left out (list order: created_at DESC, id).
    const cutoff = this.db
      .prepare(
        `SELECT created_at, id FROM approvals WHERE status NOT IN ('Pending', 'Escalated') ORDER BY created_at DESC, id LIMIT 1 OFFSET ${DECIDED_WINDOW - 1}`,
      )
      .get() as { created_at: string; id: string } | undefined;
    return this.db
      .prepare(
        // The window, filter and offset are walked in the covering index approvals_newest; only the page's rows are read.
        `SELECT approvals.* FROM (
           SELECT rowid AS page_row FROM approvals
           WHERE (status IN ('Pending', 'Escalated') OR @cutoffAt IS NULL OR created_at > @cutoffAt OR (created_at = @cutoffAt AND id <= @cutoffId))
             AND (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
             AND (@seesAll OR escalated_at IS NOT NULL OR status = 'Escalated')
           ORDER BY created_at DESC, id LIMIT @limit OFFSET @offset
         ) JOIN approvals ON approvals.rowid = page_row
         ORDER BY created_at DESC, id`,
      )
      .all({
        cutoffAt: cutoff?.created_at ?? null,
        cutoffId: cutoff?.id ?? null,
        statuses: statuses ? JSON.stringify(statuses) : null,
        seesAll: this.seesAll(roles) ? 1 : 0,
        limit,
        offset,
      }) as ApprovalRow[];
  }

  /** A record as approvers see it: with the requester's history for this application and its MFA verification. */
  private view(row: ApprovalRow): Approval {
    return this.views([row])[0]!;
  }

  /** Many records at once: their extras come from lookups for these records only. */
  private views(rows: readonly ApprovalRow[]): Approval[] {
    const extras = this.extras.of(rows);
    const votes = this.votesOf(rows);
    return rows.map((row, i) => ({
      ...toApproval(row),
      ...extras[i]!,
      ...(row.quorum > 1 ? { quorum: { required: row.quorum, approvals: votes.get(row.id) ?? [] } } : {}),
    }));
  }

  /** Who approved each quorum request so far, oldest first, in one lookup for the page. */
  private votesOf(rows: readonly ApprovalRow[]): Map<string, NonNullable<Approval['quorum']>['approvals']> {
    const ids = rows.filter((row) => row.quorum > 1).map((row) => row.id);
    const votes = new Map<string, NonNullable<Approval['quorum']>['approvals']>();
    if (ids.length === 0) return votes;
    const found = this.db
      .prepare(
        `SELECT approval_id, approver_uid, approver_name, at FROM approval_votes WHERE approval_id IN (SELECT value FROM json_each(?)) ORDER BY at, rowid`,
      )
      .all(JSON.stringify(ids)) as VoteRow[];
    for (const vote of found) {
      const list = votes.get(vote.approval_id) ?? [];
      list.push({ by: { uid: vote.approver_uid, name: vote.approver_name }, at: vote.at });
      votes.set(vote.approval_id, list);
    }
    return votes;
  }

  private hasSecondaryApprovers(): boolean {
    return this.settings.secondaryApprovers.users.length + this.settings.secondaryApprovers.groups.length > 0;
  }

  /** Administrators and approvers see every request; secondary approvers only escalated ones (see `visible`). */
  private seesAll(roles: readonly ApprovalRole[]): boolean {
    return roles.includes('administrator') || roles.includes('approver');
  }

  private canSee(roles: readonly ApprovalRole[], row: ApprovalRow): boolean {
    if (this.seesAll(roles)) return true;
    return roles.includes('secondaryApprover') && (row.escalated_at !== null || row.status === 'Escalated');
  }

  private canDecide(roles: readonly ApprovalRole[], row: ApprovalRow): boolean {
    if (roles.includes('administrator') || roles.includes('approver')) return true;
    return roles.includes('secondaryApprover') && row.status === 'Escalated';
  }

  private row(id: string): ApprovalRow | undefined {
    return this.db.prepare('SELECT * FROM approvals WHERE id = ?').get(id) as ApprovalRow | undefined;
  }

  /** Schedules the next step of an open request: escalation or expiry (with a fleet, the server's timers decide). */
  private arm(row: ApprovalRow): void {
    if (this.remote) return;
    this.timers.get(row.id)?.();
    const due = Math.max(0, new Date(row.expires_at).getTime() - this.clock.now().getTime());
    this.timers.set(
      row.id,
      this.scheduler.schedule(due, () => {
        this.timers.delete(row.id);
        this.advance(row.id);
      }),
    );
  }

  private advance(id: string): void {
    const row = this.row(id);
    if (!row || !OPEN.includes(row.status)) return;
    const now = this.clock.now();
    if (row.status === 'Pending' && this.hasSecondaryApprovers()) {
      const expiresAt = new Date(now.getTime() + this.settings.escalatedExpiryMinutes * MINUTE).toISOString();
      this.db
        .prepare(`UPDATE approvals SET status = 'Escalated', escalated_at = ?, expires_at = ? WHERE id = ? AND status = 'Pending'`)
        .run(now.toISOString(), expiresAt, id);
      this.audit.append({ type: 'approval.escalated', actorUid: null, requestId: row.request_id, data: { approvalId: id, expiresAt } }, now);
      const escalated = this.row(id)!;
      this.arm(escalated);
      this.publish(escalated);
      return;
    }
    this.db.prepare(`UPDATE approvals SET status = 'Expired' WHERE id = ? AND status IN ('Pending', 'Escalated')`).run(id);
    this.audit.append({ type: 'approval.expired', actorUid: null, requestId: row.request_id, data: { approvalId: id } }, now);
    this.settle(id);
  }

  /** After a final status: stop its timer, wake the flow waiting on it, tell the approvers. */
  private settle(id: string): Approval {
    this.timers.get(id)?.();
    this.timers.delete(id);
    const row = this.row(id)!;
    const approval = this.view(row);
    for (const resolve of this.waiters.get(id) ?? []) resolve(approval);
    this.waiters.delete(id);
    this.publish(row);
    return approval;
  }

  private publish(row: ApprovalRow): void {
    const approval = this.view(row);
    for (const listener of this.listeners) listener(approval);
    const contexts = [...this.registry.withSession()];
    // Roles wait on the directory: one queue keeps each approver's changes in the order they happened.
    this.outbox = this.outbox
      .then(async () => {
        const roles = await Promise.all(contexts.map((context) => this.rolesOf(context.peer.uid)));
        const approvers = contexts.filter((_, i) => this.canSee(roles[i]!, row));
        this.notifier.send({ to: 'connections', contexts: approvers }, ApprovalsChanged, approval);
      })
      .catch((error: unknown) =>
        // The directory did not answer: the approvers' windows miss this change until they list again.
        this.log.warn(
          { approvalId: row.id, err: error instanceof Error ? error.message : String(error) },
          'approvals.changed not sent: approver roles unavailable',
        ),
      );
  }
}

/** What the audit says about a request's quorum: only when it needs more than one approver. */
function quorumData(quorum: number | undefined): { quorum?: number } {
  return quorum !== undefined && quorum > 1 ? { quorum } : {};
}

function toApproval(row: ApprovalRow): Approval {
  return {
    approvalId: row.id,
    requestId: row.request_id,
    status: row.status,
    requester: { uid: row.requester_uid, name: row.requester_name },
    machine: row.machine,
    application: { path: row.path, sha256: row.sha256, commandLine: row.command_line, signer: row.signer },
    cwd: row.cwd,
    justification: row.justification,
    matchedPolicies: JSON.parse(row.policies_json) as Approval['matchedPolicies'],
    agentic: row.agentic_json === null ? null : (JSON.parse(row.agentic_json) as AgenticDetection),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    escalatedAt: row.escalated_at,
    decision:
      row.decided_at === null || row.decided_by_uid === null
        ? null
        : { by: { uid: row.decided_by_uid, name: row.decided_by_name }, at: row.decided_at, reason: row.decision_reason, usableUntil: row.usable_until },
  };
}
