import { JobsRunsChanged } from '../../../../shared/protocol/src/common/index.ts';
import type { ApproverRoles } from '../approvals/approverRoles.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { untrustedFolder } from '../config/jsonFolder.ts';
import { jobHandlers } from '../handlers/jobs.ts';
import { lookupAccountAsync } from '../identity/accounts.ts';
import type { ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import type { Notifier } from '../ipc/notifier.ts';
import { childLogger, type Logger } from '../log/logger.ts';
import type { AgentFeature } from '../runtime/agentFeature.ts';
import { agentScript } from '../runtime/agentBundle.ts';
import { Plugins } from '../status/plugins.ts';
import type { StatusService } from '../status/statusService.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { Clock, Scheduler } from '../time/clock.ts';
import { AGENT_VERSION } from '../version.ts';
import { evaluateCondition } from './condition.ts';
import { DesktopTaskBroker } from './desktopTasks.ts';
import { JobEngine } from './jobEngine.ts';
import { loadJobDirectory, watchJobDirectory } from './jobLoader.ts';
import { pluginSettingOn, type PluginSettings } from './pluginSettings.ts';
import { PolicyControlsJob } from './policyControls.ts';
import { RedirectCheck } from './redirectCheck.ts';
import { uidOfUser } from './userLookup.ts';

/** How long after the agent starts serving its Startup event fires (real time, as the start itself). */
const STARTUP_JOBS_DELAY_MS = 500;

export interface JobsFeatureOptions {
  /** The jobs folder. */
  readonly dir: string;
  readonly dataDir: string;
  readonly plugins: PluginSettings;
  readonly db: AgentDatabase;
  readonly audit: AuditLog;
  readonly status: StatusService;
  readonly registry: ConnectionRegistry;
  readonly notifier: Notifier;
  readonly roles: Pick<ApproverRoles, 'rolesOf'>;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly log: Logger;
}

export interface JobsFeature extends AgentFeature {
  readonly engine: JobEngine;
  /** The policy-controls job, which presents an elevation's controls. */
  readonly controlsJob: PolicyControlsJob;
  /** The redirect check of the LaunchPrivilegeElevation job. */
  readonly redirects: RedirectCheck;
  /** The jobs folder was replaced as a whole (a fleet policy set swapped in by rename): watch the new one and load it. */
  reload(): void;
  /** Fires the Startup event, STARTUP_JOBS_DELAY_MS after the agent starts serving. */
  start(): void;
}

/** The jobs engine and what hangs off it: the folder it loads, desktop delivery, the policy-controls job, the redirect check, and the Startup event. */
export function createJobs({ dir, dataDir, plugins, db, audit, status, registry, notifier, roles, clock, scheduler, log }: JobsFeatureOptions): JobsFeature {
  const desktopTasks = new DesktopTaskBroker({ registry, notifier, clock, scheduler, audit });
  const engine = new JobEngine({
    db,
    log: childLogger(log, 'jobs'),
    clock,
    scheduler,
    audit,
    pluginSettings: (name) => pluginSettingOn(plugins, name),
    deliverToDesktop: desktopTasks.deliver,
    accountOf: (uid) => lookupAccountAsync(uid),
    desktopUser: (name) => (name === null ? desktopTasks.consoleUid() : uidOfUser(name)),
    builtins: { NodePath: process.execPath, AgentScript: agentScript(), DataDir: dataDir, AgentVersion: AGENT_VERSION },
    onRunChanged: (run) => {
      // Desktops show runs (the KeeperAgent window); command-line clients never asked for this.
      notifier.send({ to: 'desktopClients' }, JobsRunsChanged, run);
    },
  });
  const load = () => {
    // A jobs folder that became writable by others at runtime keeps the jobs in effect.
    const refused = untrustedFolder(dir, 'jobs');
    if (refused) {
      log.error({ file: refused.file }, refused.message);
      status.setPlugin(Plugins.jobs, 'Unhealthy', 'the jobs folder is refused; the last good jobs stay in effect');
      return;
    }
    const loaded = loadJobDirectory(dir);
    for (const error of loaded.errors) log.error({ file: error.file, path: error.path }, `job file rejected: ${error.message}`);
    engine.load(loaded.jobs);
    status.setJobs({ errors: [...loaded.errors] });
    status.setPlugin(
      Plugins.jobs,
      loaded.errors.length === 0 ? 'Healthy' : 'Unhealthy',
      loaded.errors.length === 0 ? undefined : `${loaded.errors.length} problem(s) in job files`,
    );
  };
  load();
  let watcher = watchJobDirectory(dir, load);
  let startupJobs: NodeJS.Timeout | null = null;
  return {
    name: 'jobs',
    engine,
    controlsJob: new PolicyControlsJob({ engine, clock, evaluate: evaluateCondition, deliver: desktopTasks.deliver }),
    redirects: new RedirectCheck({ engine }),
    handlers: jobHandlers({ engine, desktopTasks, roles, audit, clock }),
    reload() {
      watcher.close();
      watcher = watchJobDirectory(dir, load);
      load();
    },
    start() {
      // Later, so that the clients waiting for the socket (the desktop's session, a CLI) are answered first: a
      // turn later was not enough, the task's spawn (fork and exec, ~50 ms) and its run records came before the
      // first connection was accepted, and the task's own Node start competed with it for the CPU.
      startupJobs = setTimeout(() => {
        void engine.fire('Startup', {}).catch((error: unknown) => log.error({ err: (error as Error).message }, 'startup jobs failed'));
      }, STARTUP_JOBS_DELAY_MS);
    },
    async dispose() {
      if (startupJobs) clearTimeout(startupJobs);
      desktopTasks.closeAll();
      watcher.close();
      await engine.stop();
    },
  };
}
