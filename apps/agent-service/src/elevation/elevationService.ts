import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  AgentError,
  AgentErrorCodes,
  ElevationCreated,
  JsonRpcErrorCodes,
  ElevationUpdated,
  type DecisionSummary,
  type ElevationHistoryEntry,
  type ElevationRequestParams,
  type ElevationRequestResult,
  type ElevationStatusResult,
  type PeerIdentity,
  type ReasonDetail,
} from '../../../../shared/protocol/src/common/index.ts';
import type { ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import type { Notifier } from '../ipc/notifier.ts';
import type { Logger } from '../log/logger.ts';
import type { MfaService } from '../mfa/mfaService.ts';
import type { ApprovalService } from '../approvals/approvalService.ts';
import type { PromptBroker } from '../prompts/promptBroker.ts';
import { runControls, type ControlProgress, type ControlSettings, type FlowResult, type PendingElevation } from './controlRunner.ts';
import type { PolicyControlsJob } from '../jobs/policyControls.ts';
import { allowsOfflineApproval, type OfflineApprovals } from '../approvals/offlineApproval.ts';
import type { RedirectCheck } from '../jobs/redirectCheck.ts';
import { decideLayered } from '../policy/policyLayers.ts';
import type { EvaluationRequest } from '../policy/request.ts';
import { recordedFields } from '../policy/recordedRequest.ts';
import type { PolicyService } from '../policy/policyService.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { Clock } from '../time/clock.ts';
import type { AuditEvent, AuditLog } from '../audit/auditLog.ts';
import { applyOffline, evaluationRequestFor, summarize } from './evaluationInput.ts';
import { agenticFactsOf, type AgentDetector, type AgenticFacts } from '../identity/agenticFacts.ts';
import type { PackageSigner } from './packageSigner.ts';
import type { GrantScope, GrantService } from './grantService.ts';
import type { OpenedProgram, ProgramFiles } from './programFiles.ts';
import { lookupTargetAccount, ROOT, type TargetAccount } from './targetAccount.ts';

export interface ElevationDependencies {
  readonly db: AgentDatabase;
  readonly audit: AuditLog;
  readonly policies: PolicyService;
  readonly clock: Clock;
  readonly isOnline: () => boolean;
  /** Outcome when no enforced policy matches: deny, since nobody holds standing privilege. */
  readonly defaultOutcome: 'allow' | 'deny';
  readonly broker: PromptBroker;
  readonly registry: ConnectionRegistry;
  readonly notifier: Notifier;
  /** Debug lines trace a request (decided, control asked and passed, resolved); never its arguments or answers. */
  readonly log: Logger;
  readonly controls: ControlSettings;
  readonly mfa: MfaService;
  readonly approvals: ApprovalService;
  /** Signed offline approvals, when this machine holds a key shared with its fleet. */
  readonly offline?: OfflineApprovals | null;
  readonly grants: GrantService;
  /** The policy-controls job that presents the controls; without it they run in the decision's order. */
  readonly controlsJob?: Pick<PolicyControlsJob, 'begin'>;
  /** The redirect check of the LaunchPrivilegeElevation job, before any policy applies. */
  readonly redirects?: Pick<RedirectCheck, 'check'>;
  /** Opens the program with the caller's rights and holds the decided descriptor for `elevation.run`. */
  readonly programs: ProgramFiles;
  /** AI-agent detection with the configured signatures; the shipped list when absent. */
  readonly agents?: AgentDetector;
  /** Who installed a program (dpkg, rpm), asked only while some collection has a Signer member; none off Linux. */
  readonly signers?: Pick<PackageSigner, 'signerOf'> | null;
}

/** A deciding policy that grants an elevated session once its controls pass. */
interface SessionPolicy {
  readonly id: string;
  readonly name: string;
  readonly minutes: number;
}

/** One elevation_requests row as a decision stores it; reason and decision come from its summary. */
interface NewRequest {
  readonly id: string;
  readonly at: Date;
  readonly uid: number;
  readonly userName: string | null;
  readonly policyType: string;
  readonly executable: string;
  readonly args: readonly string[];
  readonly sha256: string | null;
  readonly commandLine: string;
  readonly cwd: string;
  readonly runAs: TargetAccount;
  readonly grantId: string | null;
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

  constructor(deps: ElevationDependencies) {
    this.deps = deps;
    this.audit = deps.audit;
    this.insert = deps.db.prepare(
      `INSERT INTO elevation_requests (id, created_at, updated_at, uid, user_name, policy_type, executable, args_json, sha256, command_line, cwd, state, reason, reason_detail_json, decision_json, run_as_json, grant_id)
       VALUES (@id, @createdAt, @createdAt, @uid, @userName, @policyType, @executable, @args, @sha256, @commandLine, @cwd, @state, @reason, @reasonDetail, @decision, @runAs, @grantId)`,
    );
    this.select = deps.db.prepare(
      'SELECT id, uid, state, reason, reason_detail_json, current_control, passed_json, updated_at, created_at FROM elevation_requests WHERE id = ?',
    );
    this.progress = deps.db.prepare(
      'UPDATE elevation_requests SET current_control = @current, passed_json = @passed, justification = coalesce(@justification, justification), updated_at = @at WHERE id = @id',
    );
    this.finish = deps.db.prepare(
      "UPDATE elevation_requests SET state = @state, reason = @reason, reason_detail_json = @reasonDetail, current_control = NULL, updated_at = @at WHERE id = @id AND state = 'pending'",
    );
  }

  /** Where a request stands; only the user who made it may ask. */
  status(requestId: string, peer: PeerIdentity): ElevationStatusResult {
    const row = this.select.get(requestId) as RequestRow | undefined;
    if (!row) throw new AgentError(AgentErrorCodes.NotFound, `no elevation request ${requestId}`);
    if (peer.uid === null || (row.uid !== peer.uid && peer.uid !== 0)) {
      throw new AgentError(AgentErrorCodes.Unauthorized, 'this elevation request belongs to another user');
    }
    return this.withChallenge(row);
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
    // File Access policies decide file edits (edit.open), never a program run as root.
    if (params.policyType === 'FileAccess')
      throw new AgentError(JsonRpcErrorCodes.InvalidParams, 'file access is asked for with keeper-edit (edit.open), not elevation.request');
    const target = await resolveTarget(params.runAs?.user);
    const opening = this.deps.programs.open(params.executable, { ...peer, uid: peer.uid }, 'elevation.request');
    // The ancestry walk (synchronous /proc reads) runs while the file is checked on a thread of its own.
    let agentic: AgenticFacts | null;
    try {
      agentic = this.deps.agents ? this.deps.agents.factsOf(peer.pid, params.agentic) : agenticFactsOf(peer.pid, params.agentic);
    } catch (error) {
      void opening.then(
        (program) => this.deps.programs.close(program),
        () => {},
      );
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

  /**
   * Decides a file edit (keeper-edit, edit.open) under the File Access policies: stored and audited
   * like an elevation and, when the decision asks for controls, run through the same prompts. No
   * program, redirect or elevated session is involved; the edit service copies the file once allowed.
   */
  decideFileEdit(
    evaluation: EvaluationRequest,
    peer: PeerIdentity & { uid: number },
    connectionId: string | null,
    cwd: string,
  ): { requestId: string; state: ElevationRequestResult['state']; decision: DecisionSummary } {
    const at = evaluation.at;
    const { path, sha256, commandLine } = evaluation.application;
    // An edit asked for by an AI agent meets the agentic policies too (policyLayers.ts).
    const { decision } = decideLayered(this.deps.policies.policies, evaluation, { defaultOutcome: this.deps.defaultOutcome });
    const summary = applyOffline(summarize(decision), this.deps.isOnline());
    const state = stateOf(summary);
    const requestId = randomUUID();
    const uid = peer.uid;
    this.store(
      {
        id: requestId,
        at,
        uid,
        userName: evaluation.user.name,
        policyType: evaluation.policyType,
        executable: path,
        args: [],
        sha256,
        commandLine,
        cwd,
        runAs: ROOT,
        grantId: null,
      },
      summary,
      {
        type: 'edit.decided',
        actorUid: uid,
        requestId,
        data: { user: evaluation.user.name, path, sha256, state, reason: summary.reason, deciding: summary.deciding, monitored: summary.monitored },
      },
    );
    const scope: GrantScope = { uid, executable: path, sha256, runAs: { uid: ROOT.uid, name: ROOT.name }, cwd };
    this.announce(
      {
        requestId,
        uid,
        userName: evaluation.user.name,
        // No hash in the subject: it reaches the requester's prompts, and the file was read as root (a short secret's hash is the secret).
        subject: { requestId, executable: path, commandLine, sha256: null, policyNames: decidingNames(summary) },
        decision: summary,
        notification: decision.notification,
        agentic: evaluation.agentic,
        actionType: evaluation.policyType,
        machine: evaluation.machine.name,
        cwd,
        signer: null,
      },
      connectionId,
      { scope, policies: [] },
    );
    return { requestId, state, decision: summary };
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
    const lookUpSigner = this.deps.policies.policies.collections.hasSigners;
    const evaluation = await evaluationRequestFor(params, peer, at, program, agentic, lookUpSigner ? (this.deps.signers ?? null) : null);
    const { sha256, commandLine, path: executable } = evaluation.application;
    const userName = evaluation.user.name;
    const redirect = (await this.deps.redirects?.check({ uid: peer.uid, userName, executable, arguments: params.arguments, commandLine })) ?? null;
    // An agentic request is also decided by the agentic policy types (docs/policy-semantics.md, 5.4).
    const { decision, matching, agenticGate } = decideLayered(this.deps.policies.policies, evaluation, { defaultOutcome: this.deps.defaultOutcome });
    const scope: GrantScope = { uid: peer.uid, executable, sha256, runAs: { uid: target.uid, name: target.name }, cwd: params.cwd };
    const offlineApproval =
      Boolean(this.deps.offline) &&
      decision.outcome === 'controls' &&
      allowsOfflineApproval(matching.filter((c) => decision.deciding.includes(c.policy.PolicyId)).map((c) => c.policy));
    // A valid elevated session stands in for the prompts; it never overrides a DENY, nor what an agentic policy asks of an AI agent.
    const grant = redirect === null && decision.outcome === 'controls' && !agenticGate ? this.deps.grants.find(scope, decision.deciding) : null;
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
        : applyOffline(summarize(decision), this.deps.isOnline(), offlineApproval ? ['APPROVAL'] : []);
    const sessionPolicies: SessionPolicy[] =
      summary.outcome === 'controls'
        ? matching
            .filter((c) => summary.deciding.includes(c.policy.PolicyId))
            .flatMap((c) => {
              const minutes = this.deps.grants.sessionMinutes(c.policy);
              return minutes === null ? [] : [{ id: c.policy.PolicyId, name: c.policy.PolicyName, minutes }];
            })
        : [];
    // The strictest quorum of the deciding policies that ask for APPROVAL (most restrictive wins).
    const approvalQuorum = Math.max(
      1,
      ...matching
        .filter((c) => summary.deciding.includes(c.policy.PolicyId) && c.policy.Actions.OnSuccess.Controls.includes('APPROVAL'))
        .map((c) => c.policy.Extension?.ApprovalQuorum ?? 1),
    );
    const state = stateOf(summary);
    const requestId = randomUUID();
    this.store(
      {
        id: requestId,
        at,
        uid: peer.uid,
        userName,
        policyType: params.policyType,
        executable,
        args: params.arguments,
        sha256,
        commandLine,
        cwd: params.cwd,
        runAs: target,
        grantId: grant?.grantId ?? null,
      },
      summary,
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
          // What the engine saw and decided, so `policy replay` can decide it again faithfully.
          ...recordedFields(evaluation, decision, { signerLookedUp: lookUpSigner }),
        },
      },
      () => {
        if (grant) this.deps.grants.use(grant.grantId, requestId, peer.uid);
      },
    );
    // Prompts and approval records show whom the program would run as; approval reuse matches this
    // line, so an approval given for one target can never be consumed as another (root included).
    const subjectLine = target === ROOT ? commandLine : `[as ${target.name}] ${commandLine}`;
    this.announce(
      {
        requestId,
        uid: peer.uid,
        userName,
        subject: { requestId, executable, commandLine: subjectLine, sha256, policyNames: decidingNames(summary) },
        decision: summary,
        notification: decision.notification,
        agentic: evaluation.agentic,
        actionType: params.policyType,
        machine: hostname(),
        cwd: params.cwd,
        signer: evaluation.application.signer,
        approvalQuorum,
        offlineApproval,
      },
      connectionId,
      { scope, policies: sessionPolicies },
    );
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
   * Stores a decided request and its audit event in one transaction (`alongside` runs inside it too),
   * so no answer leaves for a request the log does not hold.
   */
  private store(request: NewRequest, summary: DecisionSummary, event: AuditEvent, alongside?: () => void): void {
    this.deps.db.transaction(() => {
      this.insert.run({
        id: request.id,
        createdAt: request.at.toISOString(),
        uid: request.uid,
        userName: request.userName,
        policyType: request.policyType,
        executable: request.executable,
        args: JSON.stringify(request.args),
        sha256: request.sha256,
        commandLine: request.commandLine,
        cwd: request.cwd,
        state: stateOf(summary),
        reason: summary.reason,
        reasonDetail: summary.reasonDetail ? JSON.stringify(summary.reasonDetail) : null,
        decision: JSON.stringify(summary),
        runAs: JSON.stringify(request.runAs),
        grantId: request.grantId,
      });
      alongside?.();
      this.audit.append(event, request.at);
    })();
    this.deps.log.debug(
      { requestId: request.id, uid: request.uid, policyType: request.policyType, state: stateOf(summary), reason: summary.reason },
      'elevation decided',
    );
  }

  /**
   * After a stored decision: the monitor-mode notices, then (once this answer has been sent)
   * elevation.created and, for a pending request, its control flow, so that the request's first
   * elevation.updated never overtakes the answer or elevation.created.
   */
  private announce(pending: PendingElevation, connectionId: string | null, session: { scope: GrantScope; policies: readonly SessionPolicy[] }): void {
    const { requestId, uid } = pending;
    this.tellMonitored(uid, { ...pending.subject, policyNames: [] }, pending.decision);
    setImmediate(() => this.publish(requestId, uid, ElevationCreated));
    if (stateOf(pending.decision) === 'pending') setImmediate(() => this.start(pending, connectionId, session));
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
          message: {
            text: `Policy "${policy}" is in monitor mode: once enforced, it would ${would} this action.`,
            requiresAcknowledge: false,
            tone: 'warning',
            reasonDetail,
          },
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
        : runControls(
            controls,
            { broker: this.deps.broker, mfa: this.deps.mfa, approvals: this.deps.approvals, offline: this.deps.offline ?? null },
            plan?.settings ?? this.deps.controls,
            this.deps.isOnline,
            recorded(progress),
            abandoned,
          );
    const flow = run({
      asking: (control) => {
        this.deps.log.debug({ requestId: pending.requestId, control }, 'control asked');
        update(control, null);
      },
      passed: (control, detail) => {
        this.deps.log.debug({ requestId: pending.requestId, control }, 'control passed');
        passed.push(control);
        this.audit.append(
          {
            type: 'control.passed',
            actorUid: pending.uid,
            requestId: pending.requestId,
            data: { control, ...(detail.justification ? { justification: detail.justification, offline: !this.deps.isOnline() } : {}) },
          },
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
        this.audit.append(
          { type: 'elevation.resolved', actorUid: pending.uid, requestId: pending.requestId, data: { state: result.state, reason: result.reason, passed } },
          at,
        );
      })();
      this.deps.log.debug({ requestId: pending.requestId, state: result.state, reason: result.reason, passed }, 'elevation resolved');
      if (result.state === 'allowed') for (const policy of session.policies) this.deps.grants.create(session.scope, policy, policy.minutes, pending.requestId);
      else this.deps.programs.release(pending.requestId);
      this.publish(pending.requestId, pending.uid);
    });
    const tracked = flow.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  /** A request's status, with the offline approval challenge it waits on (not a secret: the CLI prints it). */
  private withChallenge(row: RequestRow): ElevationStatusResult {
    const challenge = row.state === 'pending' ? this.deps.offline?.challengeOf(row.id) : undefined;
    return challenge ? { ...toStatus(row), offlineApproval: challenge } : toStatus(row);
  }

  private publish(requestId: string, uid: number, notification: typeof ElevationUpdated | typeof ElevationCreated = ElevationUpdated): void {
    const row = this.select.get(requestId) as RequestRow | undefined;
    if (!row) return;
    const status = this.withChallenge(row);
    this.deps.notifier.send({ to: 'user', uid }, notification, status);
  }
}

/** A decision's outcome as the request's state. */
function stateOf(summary: DecisionSummary): ElevationRequestResult['state'] {
  return summary.outcome === 'allow' ? 'allowed' : summary.outcome === 'deny' ? 'denied' : 'pending';
}

/** The names of the policies that decided, as prompts show them. */
function decidingNames(summary: DecisionSummary): string[] {
  return summary.matched.filter((m) => summary.deciding.includes(m.policyId)).map((m) => m.policyName);
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
