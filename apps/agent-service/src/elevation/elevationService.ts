import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  AgentError,
  AgentErrorCodes,
  ElevationUpdated,
  type DecisionSummary,
  type ElevationRequestParams,
  type ElevationRequestResult,
  type ElevationStatusResult,
  type PeerIdentity,
} from '../../../../shared/protocol/src/common/index.ts';
import { notify } from '../../../../shared/protocol/src/node/rpcServer.ts';
import type { ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import type { MfaService } from '../mfa/mfaService.ts';
import type { ApprovalService } from '../approvals/approvalService.ts';
import type { PromptBroker } from '../prompts/promptBroker.ts';
import { runControls, type ControlSettings, type PendingElevation } from './controlRunner.ts';
import { lookupAccount } from '../identity/accounts.ts';
import { NETWORK_CONTROLS, type Decision } from '../policy/evaluate.ts';
import type { PolicyService } from '../policy/policyService.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { Clock } from '../status/statusService.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { formatCommandLine } from './commandLine.ts';
import { sha256OfFile } from './fileHash.ts';

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
}

interface RequestRow {
  id: string;
  uid: number | null;
  state: ElevationStatusResult['state'];
  reason: string;
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
      `INSERT INTO elevation_requests (id, created_at, updated_at, uid, user_name, policy_type, executable, args_json, sha256, command_line, cwd, state, reason, decision_json)
       VALUES (@id, @createdAt, @createdAt, @uid, @userName, @policyType, @executable, @args, @sha256, @commandLine, @cwd, @state, @reason, @decision)`,
    );
    this.select = deps.db.prepare('SELECT id, uid, state, reason, current_control, passed_json, updated_at, created_at FROM elevation_requests WHERE id = ?');
    this.progress = deps.db.prepare(
      'UPDATE elevation_requests SET current_control = @current, passed_json = @passed, justification = coalesce(@justification, justification), updated_at = @at WHERE id = @id',
    );
    this.finish = deps.db.prepare("UPDATE elevation_requests SET state = @state, reason = @reason, current_control = NULL, updated_at = @at WHERE id = @id AND state = 'pending'");
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

  /** Resolves when every running control flow has ended (used at shutdown and by tests). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  async request(params: ElevationRequestParams, peer: PeerIdentity, connectionId: string | null = null): Promise<ElevationRequestResult> {
    if (peer.uid === null) {
      throw new AgentError(AgentErrorCodes.Unauthorized, 'the agent cannot tell who is asking (no peer credentials), so it cannot decide');
    }
    const account = lookupAccount(peer.uid);
    const sha256 = await sha256OfFile(params.executable);
    if (sha256 === null) {
      throw new AgentError(AgentErrorCodes.NotFound, `${params.executable} is not a readable file`);
    }
    const commandLine = formatCommandLine(params.executable, params.arguments);
    const at = this.deps.clock.now();
    const decision = this.deps.policies.policies.evaluate(
      {
        policyType: params.policyType,
        user: { uid: peer.uid, name: account.name ?? peer.userName, groups: account.groups, home: account.home },
        machine: { name: hostname() },
        application: { path: params.executable, sha256, signer: null, commandLine },
        agentic: params.agentic ?? null,
        at,
      },
      { defaultOutcome: this.deps.defaultOutcome },
    );
    const summary = this.applyOffline(summarize(decision));
    const state = summary.outcome === 'allow' ? 'allowed' : summary.outcome === 'deny' ? 'denied' : 'pending';
    const userName = account.name ?? peer.userName;
    const requestId = randomUUID();
    const record = this.deps.db.transaction(() => {
      this.insert.run({
        id: requestId,
        createdAt: at.toISOString(),
        uid: peer.uid,
        userName: account.name ?? peer.userName,
        policyType: params.policyType,
        executable: params.executable,
        args: JSON.stringify(params.arguments),
        sha256,
        commandLine,
        cwd: params.cwd,
        state,
        reason: summary.reason,
        decision: JSON.stringify(summary),
      });
      this.audit.append(
        {
          type: 'elevation.decided',
          actorUid: peer.uid,
          requestId,
          data: { user: account.name, executable: params.executable, sha256, commandLine, state, reason: summary.reason, deciding: summary.deciding, monitored: summary.monitored },
        },
        at,
      );
    });
    record();
    this.tellMonitored(peer.uid, { requestId, executable: params.executable, commandLine, sha256, policyNames: [] }, summary);
    if (state === 'pending') {
      const uid = peer.uid;
      // After this answer has been sent: a request's first elevation.updated must not overtake it.
      setImmediate(() => this.start({
        requestId,
        uid,
        userName,
        subject: { requestId, executable: params.executable, commandLine, sha256, policyNames: summary.matched.filter((m) => summary.deciding.includes(m.policyId)).map((m) => m.policyName) },
        decision: summary,
        notification: decision.notification,
        agentic: params.agentic ?? null,
        actionType: params.policyType,
        machine: hostname(),
      }, connectionId));
    }
    return { requestId, state, decision: summary, application: { path: params.executable, sha256, commandLine }, createdAt: at.toISOString() };
  }

  /**
   * monitor_and_notify policies tell the user what they would have done; a notice only, never a
   * wait (monitor modes never block). Plain monitor policies are only in the audit event.
   */
  private tellMonitored(uid: number, subject: PendingElevation['subject'], summary: DecisionSummary): void {
    for (const finding of summary.monitored.filter((m) => m.status === 'monitor_and_notify')) {
      const would = finding.wouldBe === 'deny' ? 'deny' : finding.wouldBe === 'controls' ? `ask for ${finding.controls.filter((c) => c !== 'AUDIT').join(', ')} before` : 'allow';
      void this.deps.broker.ask(
        uid,
        {
          kind: 'message',
          control: 'NOTIFY',
          subject: { ...subject, policyNames: [finding.policyName] },
          message: { text: `Policy "${finding.policyName}" is in monitor mode: once enforced, it would ${would} this action.`, requiresAcknowledge: false, tone: 'warning' },
        },
        this.deps.controls.acknowledgeTimeoutMs,
      );
    }
  }

  private start(pending: PendingElevation, connectionId: string | null): void {
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
    const flow = runControls(pending, { broker: this.deps.broker, mfa: this.deps.mfa, approvals: this.deps.approvals }, this.deps.controls, this.deps.isOnline, {
      asking: (control) => update(control, null),
      passed: (control, detail) => {
        passed.push(control);
        this.audit.append(
          { type: 'control.passed', actorUid: pending.uid, requestId: pending.requestId, data: { control, ...(detail.justification ? { justification: detail.justification, offline: !this.deps.isOnline() } : {}) } },
          this.deps.clock.now(),
        );
        update(null, detail.justification ?? null);
      },
    }, abandoned).then((result) => {
      stopWatching();
      const at = this.deps.clock.now();
      this.deps.db.transaction(() => {
        this.finish.run({ id: pending.requestId, state: result.state, reason: result.reason, at: at.toISOString() });
        this.audit.append({ type: 'elevation.resolved', actorUid: pending.uid, requestId: pending.requestId, data: { state: result.state, reason: result.reason, passed } }, at);
      })();
      this.publish(pending.requestId, pending.uid);
    });
    const tracked = flow.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private publish(requestId: string, uid: number): void {
    const row = this.select.get(requestId) as RequestRow | undefined;
    if (!row) return;
    const status = toStatus(row);
    for (const context of this.deps.registry.ofUser(uid)) void notify(context.connection, ElevationUpdated, status).catch(() => {});
  }

  /** Offline, the controls that need the backend block; justification alone still passes. */
  private applyOffline(summary: DecisionSummary): DecisionSummary {
    if (this.deps.isOnline() || summary.outcome !== 'controls') return summary;
    const blocking = summary.controls.filter((c) => NETWORK_CONTROLS.has(c));
    if (blocking.length === 0) return summary;
    return { ...summary, outcome: 'deny', controls: [], reason: `The agent is offline, and ${blocking.join(', ')} needs a network connection.` };
  }
}

function toStatus(row: RequestRow): ElevationStatusResult {
  return {
    requestId: row.id,
    state: row.state,
    reason: row.reason,
    currentControl: row.current_control as ElevationStatusResult['currentControl'],
    passed: JSON.parse(row.passed_json) as ElevationStatusResult['passed'],
    updatedAt: row.updated_at || row.created_at,
  };
}

function summarize(decision: Decision): DecisionSummary {
  return {
    outcome: decision.outcome,
    reason: decision.reason,
    controls: [...decision.controls],
    justificationWithApproval: decision.justificationWithApproval,
    matched: decision.matched.map((m) => ({ ...m, controls: [...m.controls] })),
    deciding: [...decision.deciding],
    monitored: decision.monitored.map((m) => ({ ...m, controls: [...m.controls] })),
  };
}
