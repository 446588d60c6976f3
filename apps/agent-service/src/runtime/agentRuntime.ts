import { createApprovals } from '../approvals/approvalsFeature.ts';
import { ApproverRoles } from '../approvals/approverRoles.ts';
import { createAudit } from '../audit/auditFeature.ts';
import type { AgentOptions } from '../cli/agentOptions.ts';
import { UntrustedFolderError } from '../config/folderTrust.ts';
import { untrustedFolder } from '../config/jsonFolder.ts';
import { createEdit } from '../edit/editFeature.ts';
import { createElevation } from '../elevation/elevationFeature.ts';
import { prepareFleet } from '../fleet/fleetSetup.ts';
import { createFleet } from '../fleet/fleetFeature.ts';
import { createHealth } from '../health/healthFeature.ts';
import { lookupAccountAsync } from '../identity/accounts.ts';
import { createIpc } from '../ipc/ipcFeature.ts';
import { createJobs } from '../jobs/jobsFeature.ts';
import type { Logger } from '../log/logger.ts';
import { createMfa } from '../mfa/mfaFeature.ts';
import { createPolicies } from '../policy/policiesFeature.ts';
import { createPrompts } from '../prompts/promptsFeature.ts';
import { Plugins } from '../status/plugins.ts';
import { createStatus } from '../status/statusFeature.ts';
import type { StatusService } from '../status/statusService.ts';
import { createStore } from '../store/storeFeature.ts';
import type { Clock, Scheduler } from '../time/clock.ts';
import { AGENT_VERSION } from '../version.ts';
import { prepareDataDir } from './dataDir.ts';
import { optimiseFromNowOn } from './optimiseFromNowOn.ts';
import { DisposableStore } from './disposableStore.ts';
import { trimMalloc } from './mallocTrim.ts';
import { OpenFlows } from './openFlows.ts';

export interface RunningAgent {
  readonly socketPath: string;
  readonly status: StatusService;
  stop(): Promise<void>;
}

export interface AgentDependencies {
  readonly log: Logger;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly isRoot: boolean;
}

/** What must hold before anything is opened: a refused folder or an unregistered fleet must leave nothing behind. */
function checkBeforeOpening(options: AgentOptions): void {
  prepareDataDir(options.dataDir, options.dataDirExplicit, process.getuid?.() ?? 0);
  if (options.fleet) prepareFleet(options.dataDir, options.fleet);
  for (const [dir, what] of [
    [options.policies, 'policies'],
    [options.jobs, 'jobs'],
  ] as const) {
    const refused = untrustedFolder(dir, what);
    if (refused) throw new UntrustedFolderError(dir, refused.message);
  }
}

/**
 * The agent's composition root: each feature created once, in dependency order, and registered in
 * `store`; then the socket serves every feature's handlers and the features that wait for it start.
 */
async function startFeatures(options: AgentOptions, { log, clock, scheduler, isRoot }: AgentDependencies, store: DisposableStore): Promise<RunningAgent> {
  const { dataDir } = options;
  // The store releases in reverse order, so this order is also the shutdown read backwards: open
  // flows end first while their clients are still connected (status forwarding, edits, grants and
  // runs, approvals, fleet, prompts, jobs), then the agent waits for them to settle (openFlows),
  // writes its stop checkpoint and flushes its sinks (audit), and only then closes the socket, the
  // health endpoint, the policies and the database.
  const { db, status, audit } = store.add(
    createStore({ dataDir, backend: options.fleet ? 'server' : 'embedded', online: !options.offline && !options.fleet, logLevel: options.logLevel, clock }),
  );
  const { policies } = store.add(createPolicies({ dir: options.policies, dataDir, status, clock, log }));
  const health = store.add(createHealth({ port: options.healthPort, status, clock, log }));
  const ipc = store.add(
    createIpc({ socket: options.socket, isRoot, limits: options.limits, desktopSessions: options.desktopSessions, logindDir: options.logindDir, status, log }),
  );
  const { registry, notifier } = ipc;
  const roles = new ApproverRoles({ settings: options.approvals, accounts: lookupAccountAsync });
  const auditFeature = store.add(createAudit({ settings: options.audit, db, audit, status, roles, clock, scheduler, log, served: () => ipc.served }));
  const flows = store.add(new OpenFlows());
  const jobs = store.add(
    createJobs({ dir: options.jobs, dataDir, plugins: options.plugins, db, audit, status, registry, notifier, roles, clock, scheduler, log }),
  );
  const prompts = store.add(createPrompts({ registry, notifier, audit, clock, scheduler, log }));
  const mfa = store.add(createMfa({ db, dataDir, audit, clock, settings: options.mfa }));
  const fleet = store.add(
    await createFleet({
      url: options.fleet,
      dataDir,
      forcedOffline: options.offline,
      db,
      audit,
      status,
      clock,
      log,
      onPolicySet: () => {
        policies.refresh();
        jobs.reload();
      },
    }),
  );
  const approvals = store.add(createApprovals({ settings: options.approvals, dataDir, fleet, db, audit, registry, notifier, clock, scheduler, log }));
  const elevation = store.add(
    createElevation({
      controls: options,
      grants: options.grants,
      agentic: options.agentic,
      explainBurst: options.limits.policyChecksBurst,
      db,
      audit,
      status,
      policies,
      registry,
      notifier,
      broker: prompts.broker,
      mfa: mfa.mfa,
      approvals: approvals.approvals,
      offline: approvals.offline,
      jobs,
      flows,
      clock,
      scheduler,
      log,
    }),
  );
  const edit = store.add(createEdit({ elevation: elevation.elevation, policies, programs: elevation.programs, audit, clock }));
  const agentStatus = store.add(createStatus({ status, notifier, audit, roles, clock, log }));

  await ipc.listen([ipc, auditFeature, jobs, prompts, mfa, approvals, elevation, edit, agentStatus].flatMap((feature) => feature.handlers));
  await health.start();
  fleet.start();
  jobs.start();
  // A turn after listening: the start's parsing and compiling is done by then.
  setImmediate(() => {
    trimMalloc();
    optimiseFromNowOn();
  });
  log.info({ socket: options.socket, health: health.url, version: AGENT_VERSION }, 'keeper-agent started');
  return {
    socketPath: options.socket,
    status,
    stop() {
      status.setPlugin(Plugins.ipc, 'Stopping');
      return store.dispose();
    },
  };
}

/** Starts the agent; a start that fails (the socket cannot be bound) is torn down by the same store as stop(), leaving nothing behind. */
export async function startAgent(options: AgentOptions, deps: AgentDependencies): Promise<RunningAgent> {
  checkBeforeOpening(options);
  const store = new DisposableStore({ log: deps.log });
  try {
    return await startFeatures(options, deps, store);
  } catch (error) {
    await store.dispose();
    throw error;
  }
}
