import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  AgentError,
  AgentErrorCodes,
  type DecisionSummary,
  type ElevationRequestParams,
  type ElevationRequestResult,
  type PeerIdentity,
} from '../../../../shared/protocol/src/common/index.ts';
import { lookupAccount } from '../identity/accounts.ts';
import { NETWORK_CONTROLS, type Decision } from '../policy/evaluate.ts';
import type { PolicyService } from '../policy/policyService.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { Clock } from '../status/statusService.ts';
import { AuditLog } from './auditLog.ts';
import { formatCommandLine } from './commandLine.ts';
import { sha256OfFile } from './fileHash.ts';

export interface ElevationDependencies {
  readonly db: AgentDatabase;
  readonly policies: PolicyService;
  readonly clock: Clock;
  readonly isOnline: () => boolean;
  /** Outcome when no enforced policy matches: deny, since nobody holds standing privilege. */
  readonly defaultOutcome: 'allow' | 'deny';
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

  constructor(deps: ElevationDependencies) {
    this.deps = deps;
    this.audit = new AuditLog(deps.db);
    this.insert = deps.db.prepare(
      `INSERT INTO elevation_requests (id, created_at, uid, user_name, policy_type, executable, sha256, command_line, cwd, state, decision_json)
       VALUES (@id, @createdAt, @uid, @userName, @policyType, @executable, @sha256, @commandLine, @cwd, @state, @decision)`,
    );
  }

  async request(params: ElevationRequestParams, peer: PeerIdentity): Promise<ElevationRequestResult> {
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
    const requestId = randomUUID();
    const record = this.deps.db.transaction(() => {
      this.insert.run({
        id: requestId,
        createdAt: at.toISOString(),
        uid: peer.uid,
        userName: account.name ?? peer.userName,
        policyType: params.policyType,
        executable: params.executable,
        sha256,
        commandLine,
        cwd: params.cwd,
        state,
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
    return { requestId, state, decision: summary, application: { path: params.executable, sha256, commandLine }, createdAt: at.toISOString() };
  }

  /** Offline, the controls that need the backend block; justification alone still passes. */
  private applyOffline(summary: DecisionSummary): DecisionSummary {
    if (this.deps.isOnline() || summary.outcome !== 'controls') return summary;
    const blocking = summary.controls.filter((c) => NETWORK_CONTROLS.has(c));
    if (blocking.length === 0) return summary;
    return { ...summary, outcome: 'deny', controls: [], reason: `The agent is offline, and ${blocking.join(', ')} needs a network connection.` };
  }
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
