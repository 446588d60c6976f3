import { join } from 'node:path';
import { JobsRunsChanged } from '../../../../shared/protocol/src/common/index.ts';
import { IS_AGENT_BUNDLE } from '../runtime/agentBundle.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { lookupAccountAsync } from '../identity/accounts.ts';
import type { ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import type { Notifier } from '../ipc/notifier.ts';
import type { Logger } from '../log/logger.ts';
import type { Clock, Scheduler } from '../time/clock.ts';
import type { AgentDatabase } from '../store/database.ts';
import { evaluateCondition } from './condition.ts';
import { DesktopTaskBroker } from './desktopTasks.ts';
import { JobEngine } from './jobEngine.ts';
import { pluginSettingOn, type PluginSettings } from './pluginSettings.ts';
import { PolicyControlsJob } from './policyControls.ts';
import { RedirectCheck } from './redirectCheck.ts';
import { uidOfUser } from './userLookup.ts';

/** The script the agent runs from (the bundle itself once built), whose `job-tool` subcommand runs the default jobs' tools. */
const AGENT_SCRIPT = IS_AGENT_BUNDLE ? import.meta.filename : join(import.meta.dirname, '../main.ts');

export interface JobsRuntimeOptions {
  readonly db: AgentDatabase;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly audit: AuditLog;
  readonly registry: ConnectionRegistry;
  readonly notifier: Notifier;
  readonly log: Logger;
  readonly dataDir: string;
  readonly agentVersion: string;
  readonly plugins: PluginSettings;
}

/** The jobs engine and what hangs off it: desktop delivery, the policy-controls job, the redirect check. The composition root registers `handlers/jobs.ts` on these. */
export function createJobsRuntime({ db, clock, scheduler, audit, registry, notifier, log, dataDir, agentVersion, plugins }: JobsRuntimeOptions) {
  const desktopTasks = new DesktopTaskBroker({ registry, notifier, clock, scheduler, audit });
  const engine = new JobEngine({
    db,
    log,
    clock,
    scheduler,
    audit,
    pluginSettings: (name) => pluginSettingOn(plugins, name),
    deliverToDesktop: desktopTasks.deliver,
    accountOf: (uid) => lookupAccountAsync(uid),
    desktopUser: (name) => (name === null ? desktopTasks.consoleUid() : uidOfUser(name)),
    builtins: { NodePath: process.execPath, AgentScript: AGENT_SCRIPT, DataDir: dataDir, AgentVersion: agentVersion },
    onRunChanged: (run) => {
      // Desktops show runs (the KeeperAgent window); command-line clients never asked for this.
      notifier.send({ to: 'desktopClients' }, JobsRunsChanged, run);
    },
  });
  return {
    engine,
    desktopTasks,
    controlsJob: new PolicyControlsJob({ engine, clock, evaluate: evaluateCondition, deliver: desktopTasks.deliver }),
    redirects: new RedirectCheck(engine),
  };
}
