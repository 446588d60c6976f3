import type { ApprovalService } from '../approvals/approvalService.ts';
import type { OfflineApprovals } from '../approvals/offlineApproval.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { elevationHandlers } from '../handlers/elevation.ts';
import { grantHandlers } from '../handlers/grants.ts';
import { policyHandlers } from '../handlers/policy.ts';
import { AgentDetector, shippedSignatures } from '../identity/agenticFacts.ts';
import type { AgenticSettings } from '../identity/agentSignatures.ts';
import type { ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import type { Notifier } from '../ipc/notifier.ts';
import type { JobsFeature } from '../jobs/jobsFeature.ts';
import { childLogger, type Logger } from '../log/logger.ts';
import type { MfaService } from '../mfa/mfaService.ts';
import type { PolicyService } from '../policy/policyService.ts';
import type { PromptBroker } from '../prompts/promptBroker.ts';
import type { AgentFeature } from '../runtime/agentFeature.ts';
import type { OpenFlows } from '../runtime/openFlows.ts';
import type { StatusService } from '../status/statusService.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { Clock, Scheduler } from '../time/clock.ts';
import { controlSettingsFrom, promptSettingsInForce, type PromptConfig } from './controlSettings.ts';
import { ElevationService } from './elevationService.ts';
import { GrantService, type GrantSettings } from './grantService.ts';
import { PackageSigner } from './packageSigner.ts';
import { ProgramFiles } from './programFiles.ts';
import { EXECUTION_GRANT_MINUTES, RunService } from './runService.ts';

export interface ElevationFeatureOptions {
  readonly controls: PromptConfig;
  readonly grants: GrantSettings;
  readonly agentic: AgenticSettings;
  /** `policy.explain` calls one user may make at once (`limits.policyChecksBurst`). */
  readonly explainBurst: number;
  readonly db: AgentDatabase;
  readonly audit: AuditLog;
  readonly status: StatusService;
  readonly policies: PolicyService;
  readonly registry: ConnectionRegistry;
  readonly notifier: Notifier;
  readonly broker: PromptBroker;
  readonly mfa: MfaService;
  readonly approvals: ApprovalService;
  readonly offline: OfflineApprovals | null;
  readonly jobs: Pick<JobsFeature, 'controlsJob' | 'redirects'>;
  /** Where the teardown waits for the elevations still running their controls. */
  readonly flows: Pick<OpenFlows, 'waitFor'>;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly log: Logger;
}

export interface ElevationFeature extends AgentFeature {
  readonly elevation: ElevationService;
  readonly programs: ProgramFiles;
}

/**
 * Elevation requests and their controls, elevated sessions (grants), running the decided program,
 * and the policy questions a caller may ask about its own requests (`elevation.*`, `grants.*`,
 * `policy.*`). At stop, grants stop their timers and running programs get SIGTERM.
 */
export function createElevation(deps: ElevationFeatureOptions): ElevationFeature {
  const { db, audit, status, policies, registry, notifier, clock, scheduler, log } = deps;
  const controls = controlSettingsFrom(deps.controls);
  status.setPrompts(promptSettingsInForce(controls));
  // An allow fail-mode lets actions run unanswered: the administrator's choice, said once in the log.
  for (const [key, mode] of [
    ['operatorApproval.onTimeout', controls.operatorApprovalOnTimeout],
    ['operatorApproval.whenUndeliverable', controls.operatorApprovalWhenUndeliverable],
  ] as const) {
    if (mode === 'allow') log.warn({ key }, `${key} is allow: End User Approval lets the action run without an answer`);
  }
  const programs = new ProgramFiles({
    audit,
    log: childLogger(log, 'programs'),
    clock,
    agentUid: process.getuid?.() ?? 0,
    holdMs: EXECUTION_GRANT_MINUTES * 60_000,
  });
  const runs = new RunService({ db, clock, audit, programs, notifier, log: childLogger(log, 'runs') });
  // A run belongs to its connection: when that closes, the program gets SIGHUP.
  registry.onRemoved((context) => runs.connectionClosed(context));
  const grants = new GrantService({ db, clock, scheduler, audit, settings: deps.grants });
  grants.resume();
  // AI-agent detection: the config's signature list replaces the shipped one (docs/agentic.md).
  const agents = new AgentDetector({ signatures: deps.agentic.signatures ?? shippedSignatures() });
  // One view of the package databases for the agent's lifetime, re-read only after the package manager changed them.
  const signers = process.platform === 'linux' ? new PackageSigner({ log: childLogger(log, 'signer') }) : null;
  const elevation = new ElevationService({
    db,
    audit,
    policies,
    clock,
    isOnline: () => status.online,
    defaultOutcome: 'deny',
    broker: deps.broker,
    registry,
    notifier,
    log: childLogger(log, 'elevation'),
    controls,
    mfa: deps.mfa,
    approvals: deps.approvals,
    offline: deps.offline,
    grants,
    controlsJob: deps.jobs.controlsJob,
    redirects: deps.jobs.redirects,
    programs,
    agents,
    signers,
  });
  deps.flows.waitFor(() => elevation.settled());
  return {
    name: 'elevation',
    elevation,
    programs,
    handlers: [
      ...grantHandlers(grants),
      ...elevationHandlers(elevation, runs),
      ...policyHandlers({
        policies,
        clock,
        isOnline: () => status.online,
        defaultOutcome: 'deny',
        programs,
        audit,
        agents,
        signers,
        explainBurst: deps.explainBurst,
        offlineApproval: deps.offline !== null,
      }),
    ],
    dispose() {
      grants.stop();
      runs.stopAll();
      programs.releaseAll();
    },
  };
}
