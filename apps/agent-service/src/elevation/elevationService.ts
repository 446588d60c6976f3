import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  AgentError,
  AgentErrorCodes,
  ElevationCreated,
  ElevationUpdated,
  type DecisionSummary,
  type ElevationHistoryEntry,
  type ElevationRequestParams,
  type ElevationRequestResult,
  type ElevationStatusResult,
  type PeerIdentity,
  type ReasonDetail,
} from '../../../../shared/protocol/src/common/index.ts';
import { notify } from '../../../../shared/protocol/src/node/rpcServer.ts';
import type { ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import type { MfaService } from '../mfa/mfaService.ts';
import type { ApprovalService } from '../approvals/approvalService.ts';
import type { PromptBroker } from '../prompts/promptBroker.ts';
import { runControls, type ControlProgress, type ControlSettings, type FlowResult, type PendingElevation } from './controlRunner.ts';
import type { PolicyControlsJob } from '../jobs/policyControls.ts';
import type { RedirectCheck } from '../jobs/redirectCheck.ts';
import { decide } from '../policy/evaluate.ts';
import type { PolicyService } from '../policy/policyService.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { Clock } from '../status/statusService.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { applyOffline, evaluationRequestFor, summarize } from './evaluationInput.ts';
import { agenticFactsOf, type AgenticFacts } from '../identity/agenticFacts.ts';
import type { GrantScope, GrantService } from './grantService.ts';
import type { OpenedProgram, ProgramFiles } from './programFiles.ts';
import { lookupTargetAccount, ROOT, type TargetAccount } from './targetAccount.ts';

export interface ElevationDependencies {
  readonly db: AgentDatabase;
  readonly policies: PolicyService;
  readonly clock: Clock;
  readonly isOnline: () => boolean;
  /** Outcome when no enforced policy matches: deny, since nobody holds standing privilege. */
  readonly defaultOutcome: 'allow' | 'deny';
  readonly broker: PromptBroker;
  readonly registry: ConnectionRegistry;
  readonly controls: ControlSettings;
  readonly mfa: MfaService;
  readonly approvals: ApprovalService;
  readonly grants: GrantService;
  /** The policy-controls job that presents the controls; without it they run in the decision's order. */
  readonly controlsJob?: Pick<PolicyControlsJob, 'begin'>;
  /** The redirect check of the LaunchPrivilegeElevation job, before any policy applies. */
  readonly redirects?: Pick<RedirectCheck, 'check'>;
  /** Opens the program with the caller's rights and holds the decided descriptor for `elevation.run`. */
  readonly programs: ProgramFiles;
}

/** A deciding policy that grants an elevated session once its controls pass. */
interface SessionPolicy {
  readonly id: string;
  readonly name: string;
  readonly minutes: number;
}

interface HistoryRow {
  id: string;
  created_at: string;
  updated_at: string;
  command_line: string;
  executable: string;
  state: ElevationStatusResult['state'];
  reason: string;
  reason_detail_json: string | null;
  decision_json: string;
  run_as_json: string | null;
  grant_id: string | null;
  run_at: string | null;
}

interface RequestRow {
  id: string;
  uid: number | null;
  state: ElevationStatusResult['state'];
  reason: string;
  reason_detail_json: string | null;
  current_control: string | null;
  passed_json: string;
  updated_at: string;
  created_at: string;
}

/**
 * Decides elevation requests: who asks comes from the kernel, what runs is hashed by the agent, and
 * the decision comes from the policies in effect. Every request and its decision are stored and
 * audited before the answer leaves.
 */
export class ElevationService {
  private readonly deps: ElevationDependencies;
  private readonly audit: AuditLog;
  private readonly insert;
  private readonly select;
  private readonly progress;
  private readonly finish;
  private readonly running = new Set<Promise<void>>();

  constructor(deps: ElevationDependencies, audit: AuditLog) {
    this.deps = deps;
    this.audit = audit;
    this.insert = deps.db.prepare(
      `INSERT INTO elevation_requests (id, created_at, updated_at, uid, user_name, policy_type, executable, args_json, sha256, command_line, cwd, state, reason, reason_detail_json, decision_json, run_as_json, grant_id)
       VALUES (@id, @createdAt, @createdAt, @uid, @userName, @policyType, @executable, @args, @sha256, @commandLine, @cwd, @state, @reason, @reasonDetail, @decision, @runAs, @grantId)`,
    );
    this.select = deps.db.prepare('SELECT id, uid, state, reason, reason_detail_json, current_control, passed_json, updated_at, created_at FROM elevation_requests WHERE id = ?');
    this.progress = deps.db.prepare(
      'UPDATE elevation_requests SET current_control = @current, passed_json = @passed, justification = coalesce(@justification, justification), updated_at = @at WHERE id = @id',
    );
    this.finish = deps.db.prepare("UPDATE elevation_requests SET state = @state, reason = @reason, reason_detail_json = @reasonDetail, current_control = NULL, updated_at = @at WHERE id = @id AND state = 'pending'");
  }

  /** Where a request stands; only the user who made it may ask. */
  status(requestId: string, peer: PeerIdentity): ElevationStatusResult {
    const row = this.select.get(requestId) as RequestRow | undefined;
    if (!row) throw new AgentError(AgentErrorCodes.NotFound, `no elevation request ${requestId}`);
    if (peer.uid === null || (row.uid !== peer.uid && peer.uid !== 0)) {
      throw new AgentError(AgentErrorCodes.Unauthorized, 'this elevation request belongs to another user');
    }
    return toStatus(row);
  }

  /** The caller's own most recent requests with their decisions, newest first; nobody sees another user's. */
  history(peer: PeerIdentity, limit: number): ElevationHistoryEntry[] {
    if (peer.uid === null) throw new AgentError(AgentErrorCodes.Unauthorized, 'the agent cannot tell who is asking (no peer credentials)');
    const rows = this.deps.db
      .prepare(
        `SELECT id, created_at, updated_at, command_line, executable, state, reason, reason_detail_json, decision_json, run_as_json, grant_id, run_at
         FROM elevation_requests WHERE uid = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(peer.uid, limit) as HistoryRow[];
    return rows.map((row) => {
      const decision = JSON.parse(row.decision_json) as DecisionSummary;
      return {
        requestId: row.id,
        createdAt: row.created_at,
        updatedAt: row.updated_at || row.created_at,
        commandLine: row.command_line,
        executable: row.executable,
        runAsUser: row.run_as_json ? (JSON.parse(row.run_as_json) as TargetAccount).name : ROOT.name,
        state: row.state,
        reason: row.reason,
        reasonDetail: readReasonDetail(row.reason_detail_json),
        controls: decision.controls,
        policies: decision.matched.filter((m) => decision.deciding.includes(m.policyId)).map((m) => m.policyName),
        grantId: row.grant_id,
        ranAt: row.run_at,
      };
    });
  }

  /** Resolves when every running control flow has ended (used at shutdown and by tests). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  async request(params: ElevationRequestParams, peer: PeerIdentity, connectionId: string | null = null): Promise<ElevationRequestResult> {
    if (peer.uid === null) {
      throw new AgentError(AgentErrorCodes.Unauthorized, 'the agent cannot tell who is asking (no peer credentials), so it cannot decide');
    }
    const target = await resolveTarget(params.runAs?.user);
    const opening = this.deps.programs.open(params.executable, { ...peer, uid: peer.uid }, 'elevation.request');
    // The ancestry walk (synchronous /proc reads) runs while the file is checked on a thread of its own.
    let agentic: AgenticFacts | null;
    try {
      agentic = agenticFactsOf(peer.pid, params.agentic);
    } catch (error) {
      void opening.then((program) => this.deps.programs.close(program), () => {});
      throw error;
    }
    const program = await opening;
    let result: ElevationRequestResult;
    try {
      result = await this.decide(params, { ...peer, uid: peer.uid }, connectionId, target, program, agentic);
    } catch (error) {
      this.deps.programs.close(program);
      throw error;
    }
    // Held before any control flow starts (those begin on setImmediate), so none can miss it.
    if (result.state === 'denied') this.deps.programs.close(program);
    else this.deps.programs.hold(result.requestId, peer.uid, program);
    return result;
  }

  /** Decides on the opened program; its descriptor is held for `elevation.run` unless the request is denied. */
  private async decide(
    params: ElevationRequestParams,
    peer: PeerIdentity & { uid: number },
    connectionId: string | null,
    target: TargetAccount,
    program: OpenedProgram,
    agentic: AgenticFacts | null,
  ): Promise<ElevationRequestResult> {
    const at = this.deps.clock.now();
    const evaluation = await evaluationRequestFor(params, peer, at, program, agentic);
    const { sha256, commandLine, path: executable } = evaluation.application;
    const userName = evaluation.user.name;
    const redirect =
      (await this.deps.redirects?.check({ uid: peer.uid, userName, executable, arguments: params.arguments, commandLine })) ?? null;
    const matching = this.deps.policies.policies.matching(evaluation);
    const decision = decide(matching, { defaultOutcome: this.deps.defaultOutcome });
    const scope: GrantScope = { uid: peer.uid, executable, sha256, runAs: { uid: target.uid, name: target.name }, cwd: params.cwd };
    // A valid elevated session stands in for the prompts; it never overrides a DENY.
    const grant = redirect === null && decision.outcome === 'controls' ? this.deps.grants.find(scope, decision.deciding) : null;
    const summary = redirect
      ? { ...summarize(decision), outcome: 'deny' as const, controls: [], reason: redirect.reason, reasonDetail: redirect.reasonDetail }
      : grant
      ? {
          ...summarize(decision),
          outcome: 'allow' as const,
          controls: [],
          reason: `Elevated session from policy "${grant.policyName}" is valid until ${grant.expiresAt}.`,
          reasonDetail: { code: 'elevated-session', values: { policy: grant.policyName, until: grant.expiresAt } } satisfies ReasonDetail,
        }
      : applyOffline(summarize(decision), this.deps.isOnline());
    const sessionPolicies: SessionPolicy[] =
      summary.outcome === 'controls'
        ? matching
            .filter((c) => summary.deciding.includes(c.policy.PolicyId))
            .flatMap((c) => {
              const minutes = this.deps.grants.sessionMinutes(c.policy);
              return minutes === null ? [] : [{ id: c.policy.PolicyId, name: c.policy.PolicyName, minutes }];
            })
        : [];
    const state = summary.outcome === 'allow' ? 'allowed' : summary.outcome === 'deny' ? 'denied' : 'pending';
    const requestId = randomUUID();
    const record = this.deps.db.transaction(() => {
      this.insert.run({
        id: requestId,
        createdAt: at.toISOString(),
        uid: peer.uid,
        userName,
        policyType: params.policyType,
        executable,
        args: JSON.stringify(params.arguments),
        sha256,
        commandLine,
        cwd: params.cwd,
        state,
        reason: summary.reason,
        reasonDetail: summary.reasonDetail ? JSON.stringify(summary.reasonDetail) : null,
        decision: JSON.stringify(summary),
        runAs: JSON.stringify(target),
        grantId: grant?.grantId ?? null,
      });
      if (grant) this.deps.grants.use(grant.grantId, requestId, peer.uid);
      this.audit.append(
        {
          type: 'elevation.decided',
          actorUid: peer.uid,
          requestId,
          data: {
            user: userName,
            executable,
            ...(params.executable === executable ? {} : { requestedPath: params.executable }),
            sha256,
            commandLine,
            runAs: { user: target.name, uid: target.uid },
            state,
            reason: summary.reason,
            deciding: summary.deciding,
            monitored: summary.monitored,
            ...(grant ? { grantId: grant.grantId } : {}),
          },
        },
        at,
      );
    });
    record();
    // Prompts and approval records show whom the program would run as; approval reuse matches this
    // line, so an approval given for one target can never be consumed as another (root included).
    const subjectLine = target === ROOT ? commandLine : `[as ${target.name}] ${commandLine}`;
    this.tellMonitored(peer.uid, { requestId, executable, commandLine: subjectLine, sha256, policyNames: [] }, summary);
    // After this answer, and before the request's first elevation.updated (scheduled below).
    const uid = peer.uid;
    setImmediate(() => this.publish(requestId, uid, ElevationCreated));
    if (state === 'pending') {
      // After this answer has been sent: a request's first elevation.updated must not overtake it.
      setImmediate(() => this.start({
        requestId,
        uid,
        userName,
        subject: { requestId, executable, commandLine: subjectLine, sha256, policyNames: summary.matched.filter((m) => summary.deciding.includes(m.policyId)).map((m) => m.policyName) },
        decision: summary,
        notification: decision.notification,
        agentic: evaluation.agentic,
        actionType: params.policyType,
        machine: hostname(),
        cwd: params.cwd,
        signer: evaluation.application.signer,
      }, connectionId, { scope, policies: sessionPolicies }));
    }
    return {
      requestId,
      state,
      decision: summary,
      application: { path: executable, sha256, commandLine },
      createdAt: at.toISOString(),
      runAs: { user: target.name, uid: target.uid },
      ...(grant ? { grant: { grantId: grant.grantId, expiresAt: grant.expiresAt } } : {}),
    };
  }

  /**
   * monitor_and_notify policies tell the user what they would have done; a notice only, never a
   * wait (monitor modes never block). Plain monitor policies are only in the audit event.
   */
  private tellMonitored(uid: number, subject: PendingElevation['subject'], summary: DecisionSummary): void {
    for (const finding of summary.monitored.filter((m) => m.status === 'monitor_and_notify')) {
      const policy = finding.policyName;
      const controls = finding.controls.filter((c) => c !== 'AUDIT');
      const would = finding.wouldBe === 'deny' ? 'deny' : finding.wouldBe === 'controls' ? `ask for ${controls.join(', ')} before` : 'allow';
      const reasonDetail: ReasonDetail =
        finding.wouldBe === 'deny'
          ? { code: 'monitored-would-deny', values: { policy } }
          : finding.wouldBe === 'controls'
            ? { code: 'monitored-would-ask', values: { policy, controls } }
            : { code: 'monitored-would-allow', values: { policy } };
      void this.deps.broker.ask(
        uid,
        {
          kind: 'message',
          control: 'NOTIFY',
          subject: { ...subject, policyNames: [finding.policyName] },
          message: { text: `Policy "${policy}" is in monitor mode: once enforced, it would ${would} this action.`, requiresAcknowledge: false, tone: 'warning', reasonDetail },
        },
        this.deps.controls.acknowledgeTimeoutMs,
      );
    }
  }

  private start(pending: PendingElevation, connectionId: string | null, session: { scope: GrantScope; policies: readonly SessionPolicy[] }): void {
    const passed: string[] = [];
    let abandon = () => {};
    const abandoned = new Promise<void>((resolve) => (abandon = resolve));
    const stopWatching = this.deps.registry.onRemoved((context) => {
      if (context.connectionId !== connectionId) return;
      this.deps.broker.abandon(pending.requestId);
      abandon();
    });
    const update = (current: string | null, justification: string | null) => {
      this.progress.run({ id: pending.requestId, current, passed: JSON.stringify(passed), justification, at: this.deps.clock.now().toISOString() });
      this.publish(pending.requestId, pending.uid);
    };
    // The policy-controls job decides the order, conditions and waits of the prompts.
    const plan = this.deps.controlsJob?.begin(pending, this.deps.isOnline(), this.deps.controls) ?? null;
    const recorded = (progress: ControlProgress) => (plan?.ok ? plan.progress(progress) : progress);
    const controls = plan?.ok ? { ...pending, decision: { ...pending.decision, controls: [...plan.controls] } } : pending;
    const run = (progress: ControlProgress) =>
      plan?.ok === false
        ? Promise.resolve<FlowResult>({ state: 'denied', reason: plan.reason, reasonDetail: plan.reasonDetail })
        : runControls(controls, { broker: this.deps.broker, mfa: this.deps.mfa, approvals: this.deps.approvals }, plan?.settings ?? this.deps.controls, this.deps.isOnline, recorded(progress), abandoned);
    const flow = run({
      asking: (control) => update(control, null),
      passed: (control, detail) => {
        passed.push(control);
        this.audit.append(
          { type: 'control.passed', actorUid: pending.uid, requestId: pending.requestId, data: { control, ...(detail.justification ? { justification: detail.justification, offline: !this.deps.isOnline() } : {}) } },
          this.deps.clock.now(),
        );
        update(null, detail.justification ?? null);
      },
    }).then((result) => {
      stopWatching();
      if (plan?.ok) plan.finish(result);
      const at = this.deps.clock.now();
      this.deps.db.transaction(() => {
        this.finish.run({
          id: pending.requestId,
          state: result.state,
          reason: result.reason,
          reasonDetail: result.reasonDetail ? JSON.stringify(result.reasonDetail) : null,
          at: at.toISOString(),
        });
        this.audit.append({ type: 'elevation.resolved', actorUid: pending.uid, requestId: pending.requestId, data: { state: result.state, reason: result.reason, passed } }, at);
      })();
      if (result.state === 'allowed') for (const policy of session.policies) this.deps.grants.create(session.scope, policy, policy.minutes, pending.requestId);
      else this.deps.programs.release(pending.requestId);
      this.publish(pending.requestId, pending.uid);
    });
    const tracked = flow.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private publish(requestId: string, uid: number, notification: typeof ElevationUpdated | typeof ElevationCreated = ElevationUpdated): void {
    const row = this.select.get(requestId) as RequestRow | undefined;
    if (!row) return;
    const status = toStatus(row);
    for (const context of this.deps.registry.ofUser(uid)) void notify(context.connection, notification, status).catch(() => {});
  }
}

/** The identity to run as: root unless the request names a user, who must exist. */
async function resolveTarget(user: string | undefined): Promise<TargetAccount> {
  if (user === undefined) return ROOT;
  const target = await lookupTargetAccount(user);
  if (!target) throw new AgentError(AgentErrorCodes.NotFound, `there is no user "${user}" on this machine`);
  return target;
}

function toStatus(row: RequestRow): ElevationStatusResult {
  return {
    requestId: row.id,
    state: row.state,
    reason: row.reason,
    reasonDetail: readReasonDetail(row.reason_detail_json),
    currentControl: row.current_control as ElevationStatusResult['currentControl'],
    passed: JSON.parse(row.passed_json) as ElevationStatusResult['passed'],
    updatedAt: row.updated_at || row.created_at,
  };
}

/** A stored reason detail; NULL for rows an older agent wrote. */
function readReasonDetail(json: string | null): ReasonDetail | undefined {
  return json === null ? undefined : (JSON.parse(json) as ReasonDetail);
}
