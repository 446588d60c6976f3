import { unlinkSync } from 'node:fs';
import type net from 'node:net';
import { join } from 'node:path';
import { AgentDetector, shippedSignatures } from '../identity/agenticFacts.ts';
import { AgentErrorCodes, AgentStatusChanged } from '../../../../shared/protocol/src/common/index.ts';
import { DEFAULT_FRAME_LIMITS } from '../../../../shared/protocol/src/node/frameGuard.ts';
import { encodeFrame } from '../../../../shared/protocol/src/node/frameWriter.ts';
import type { AgentOptions } from '../cli/options.ts';
import { agentHandlers, agentSettingsHandlers } from '../handlers/agent.ts';
import { auditHandlers } from '../handlers/audit.ts';
import { promptHandlers } from '../handlers/prompt.ts';
import { grantHandlers } from '../handlers/grants.ts';
import { jobHandlers } from '../handlers/jobs.ts';
import { GrantService } from '../elevation/grantService.ts';
import { elevationHandlers } from '../handlers/elevation.ts';
import { editHandlers } from '../handlers/edit.ts';
import { EditService } from '../edit/editService.ts';
import { policyHandlers } from '../handlers/policy.ts';
import { ElevationService } from '../elevation/elevationService.ts';
import { PolicyService } from '../policy/policyService.ts';
import { AuditLog } from '../audit/auditLog.ts';
import { loadAuditSigningKey } from '../audit/signingKey.ts';
import { controlSettingsFrom, promptSettingsInForce } from '../elevation/controlSettings.ts';
import { ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import { Notifier } from '../ipc/notifier.ts';
import { PromptBroker } from '../prompts/promptBroker.ts';
import { MfaService } from '../mfa/mfaService.ts';
import { mfaHandlers } from '../handlers/mfa.ts';
import { ApprovalService } from '../approvals/approvalService.ts';
import { openOfflineApprovals } from '../approvals/offlineApproval.ts';
import { approvalHandlers } from '../handlers/approvals.ts';
import { lookupAccountAsync } from '../identity/accounts.ts';
import { verifyDesktopPeer } from '../identity/desktopSessions.ts';
import { AuditForwarder } from '../audit/auditForwarder.ts';
import { EXECUTION_GRANT_MINUTES, RunService } from '../elevation/runService.ts';
import { ProgramFiles } from '../elevation/programFiles.ts';
import { createJobsRuntime } from '../jobs/jobsRuntime.ts';
import { loadJobDirectory, watchJobDirectory } from '../jobs/jobLoader.ts';
import { untrustedFolder } from '../config/jsonFolder.ts';
import { UntrustedFolderError } from '../config/folderTrust.ts';
import { jsonLinesSink, syslogSink } from '../audit/auditSinks.ts';
import { sessionHandlers } from '../handlers/session.ts';
import { startHealthServer } from '../health/healthServer.ts';
import { acceptConnection } from '../ipc/agentConnection.ts';
import { listenOnSocket } from '../ipc/socketListener.ts';
import { childLogger, type Logger } from '../log/logger.ts';
import { StatusService } from '../status/statusService.ts';
import type { Clock, Scheduler } from '../time/clock.ts';
import { loadAgentId, openAgentDatabase } from '../store/database.ts';
import { AGENT_VERSION } from '../version.ts';
import { prepareDataDir } from './dataDir.ts';
import { connectFleet, prepareFleet, type AgentFleet } from '../fleet/agentFleet.ts';
import { QueueHints } from '../fleet/queueHints.ts';

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

/** Plugin names as they appear in agent.status (Keeper splits the agent into plugins the same way). */
export const Plugins = { store: 'KeeperStore', ipc: 'KeeperIpc', health: 'KeeperHealth', jobs: 'KeeperJobs' } as const;

/** Answers a connection over a limit with one JSON-RPC error, then hangs up. */
function refuse(socket: net.Socket, message: string): void {
  const response = { jsonrpc: '2.0', id: null, error: { code: AgentErrorCodes.TooManyRequests, message } };
  socket.end(encodeFrame(response));
}

/** The agent's composition root: store, status, socket server and health endpoint, in start order. */
export async function startAgent(options: AgentOptions, { log, clock, scheduler, isRoot }: AgentDependencies): Promise<RunningAgent> {
  prepareDataDir(options.dataDir, options.dataDirExplicit, process.getuid?.() ?? 0);
  if (options.fleet) prepareFleet(options.dataDir, options.fleet, process.getuid?.() ?? 0);
  // Checked before anything is opened: a refused folder must leave nothing behind.
  for (const [dir, what] of [
    [options.policies, 'policies'],
    [options.jobs, 'jobs'],
  ] as const) {
    const refused = untrustedFolder(dir, what);
    if (refused) throw new UntrustedFolderError(dir, refused.message);
  }
  // Before anything starts: a refused key must end the process, not leave watchers running.
  const auditKey = loadAuditSigningKey(options.dataDir, true);
  const db = openAgentDatabase(options.dataDir);
  const startedAt = clock.now();
  const status = new StatusService({
    facts: {
      version: AGENT_VERSION,
      agentId: loadAgentId(db, startedAt),
      startedAt,
      backend: options.fleet ? 'server' : 'embedded',
      logLevel: options.logLevel,
      // With a fleet, online means the fleet answers: offline until the first health check does.
      online: !options.offline && !options.fleet,
      healthUrl: null,
    },
    clock,
  });
  status.setPlugin(Plugins.store, 'Healthy');
  status.setPlugin(Plugins.ipc, 'Starting');
  status.setPlugin(Plugins.health, 'Starting');

  const policies = new PolicyService({
    dir: options.policies,
    status,
    log: childLogger(log, 'policies'),
    now: () => clock.now(),
    hashStore: join(options.dataDir, 'policy-file-hashes.json'),
  });
  const registry = new ConnectionRegistry();
  const notifier = new Notifier({ registry, log: childLogger(log, 'notifier') });
  const audit = new AuditLog({ db, signer: auditKey });
  const broker = new PromptBroker({ registry, notifier, clock, scheduler, audit, log: childLogger(log, 'prompts') });
  const mfa = new MfaService({ db, dataDir: options.dataDir, clock, audit, settings: { sessionMs: options.mfa.sessionMinutes * 60_000 } });
  const programs = new ProgramFiles({
    audit,
    log: childLogger(log, 'programs'),
    clock,
    agentUid: process.getuid?.() ?? 0,
    holdMs: EXECUTION_GRANT_MINUTES * 60_000,
  });
  const runs = new RunService({ db, clock, audit, programs, notifier, log: childLogger(log, 'runs') });
  let fleet: AgentFleet | null = null;
  let queueHints: QueueHints | null = null;
  const approvals = new ApprovalService({
    db,
    clock,
    scheduler,
    audit,
    registry,
    notifier,
    log: childLogger(log, 'approvals'),
    settings: options.approvals,
    accounts: lookupAccountAsync,
    ...(options.fleet ? { remote: { file: (input) => fleet!.approvals.file(input) } } : {}),
  });
  approvals.resume();
  const grants = new GrantService({ db, clock, scheduler, audit, settings: options.grants });
  grants.resume();
  const jobsRuntime = createJobsRuntime({
    db,
    clock,
    scheduler,
    audit,
    registry,
    notifier,
    log: childLogger(log, 'jobs'),
    dataDir: options.dataDir,
    agentVersion: AGENT_VERSION,
    plugins: options.plugins,
  });
  const jobs = jobsRuntime.engine;
  const loadJobs = () => {
    // A jobs folder that became writable by others at runtime keeps the jobs in effect.
    const refused = untrustedFolder(options.jobs, 'jobs');
    if (refused) {
      log.error({ file: refused.file }, refused.message);
      status.setPlugin(Plugins.jobs, 'Unhealthy', 'the jobs folder is refused; the last good jobs stay in effect');
      return;
    }
    const load = loadJobDirectory(options.jobs);
    for (const error of load.errors) log.error({ file: error.file, path: error.path }, `job file rejected: ${error.message}`);
    jobs.load(load.jobs);
    status.setJobs({ errors: [...load.errors] });
    status.setPlugin(
      Plugins.jobs,
      load.errors.length === 0 ? 'Healthy' : 'Unhealthy',
      load.errors.length === 0 ? undefined : `${load.errors.length} problem(s) in job files`,
    );
  };
  loadJobs();
  let jobsWatcher = watchJobDirectory(options.jobs, loadJobs);
  if (options.fleet) {
    fleet = connectFleet({
      dataDir: options.dataDir,
      db,
      audit,
      status,
      clock,
      log: childLogger(log, 'fleet'),
      forcedOffline: options.offline,
      onApprovalUpdated: (approval) => approvals.applyRemote(approval),
      onQueueChanged: (approvalId) => queueHints?.changed(approvalId),
      // The set is swapped in by renaming its folder: watch the new folders and load them now.
      onPolicySet: () => {
        policies.refresh();
        jobsWatcher.close();
        jobsWatcher = watchJobDirectory(options.jobs, loadJobs);
        loadJobs();
      },
    });
    const link = fleet;
    queueHints = new QueueHints({
      relay: () => link.client.relay,
      registry,
      notifier,
      log: childLogger(log, 'queueHints'),
      accounts: lookupAccountAsync,
      watch: (on) => link.client.watchQueue(on),
    });
  }
  const sinks = [...(options.audit.jsonl ? [jsonLinesSink(options.audit.jsonl)] : []), ...(options.audit.syslog ? [syslogSink(options.audit.syslog)] : [])];
  const forwarder = new AuditForwarder({
    sinks,
    db,
    audit,
    clock,
    scheduler,
    isOnline: () => status.online,
    onError: (sink, error) => log.warn({ sink, err: error.message }, 'audit sink unavailable; events stay queued'),
  });
  const stopFlushOnReconnect = status.onChanged((snapshot) => {
    if (snapshot.online) void forwarder.flush();
  });
  void forwarder.flush();
  const controls = controlSettingsFrom(options);
  status.setPrompts(promptSettingsInForce(controls));
  // An allow fail-mode lets actions run unanswered: the administrator's choice, said once in the log.
  for (const [key, mode] of [
    ['operatorApproval.onTimeout', controls.operatorApprovalOnTimeout],
    ['operatorApproval.whenUndeliverable', controls.operatorApprovalWhenUndeliverable],
  ] as const) {
    if (mode === 'allow') log.warn({ key }, `${key} is allow: End User Approval lets the action run without an answer`);
  }
  const offline = options.fleet
    ? openOfflineApprovals(
        options.dataDir,
        { clock, audit, expiryMinutes: options.approvals.requestExpiryMinutes, allowSelfApproval: options.approvals.allowSelfApproval },
        (message) => log.error(message),
      )
    : null;
  // AI-agent detection: the config's signature list replaces the shipped one (docs/agentic.md).
  const agents = new AgentDetector(options.agentic.signatures ?? shippedSignatures());
  const elevation = new ElevationService({
    db,
    audit,
    policies,
    clock,
    isOnline: () => status.online,
    defaultOutcome: 'deny',
    broker,
    registry,
    notifier,
    log: childLogger(log, 'elevation'),
    controls,
    mfa,
    approvals,
    offline,
    grants,
    controlsJob: jobsRuntime.controlsJob,
    redirects: jobsRuntime.redirects,
    programs,
    agents,
  });
  const edits = new EditService({ elevation, policies, programs, audit, clock, defaultOutcome: 'deny' });
  const handlers = [
    ...sessionHandlers(
      AGENT_VERSION,
      (context) => registry.sessionStarted(context),
      (peer) => verifyDesktopPeer(peer, { mode: options.desktopSessions, logindDir: options.logindDir }),
      (context, verdict) =>
        log.info({ uid: context.peer.uid, pid: context.peer.pid, verdict }, 'a desktop connected that is not a verified desktop session; it gets no prompts'),
    ),
    ...agentHandlers(status, audit, approvals, clock),
    ...agentSettingsHandlers(status, audit, approvals, clock, log),
    ...auditHandlers(audit, approvals),
    ...grantHandlers(grants),
    ...elevationHandlers(elevation, runs),
    ...promptHandlers(broker),
    ...editHandlers(edits),
    ...policyHandlers({ policies, clock, isOnline: () => status.online, defaultOutcome: 'deny', programs, audit, agents, offlineApproval: offline !== null }),
    ...mfaHandlers(mfa, audit, clock),
    ...approvalHandlers(
      approvals,
      fleet && queueHints
        ? { relay: fleet.client.relay, accounts: lookupAccountAsync, audit, clock, log: childLogger(log, 'approvalRelay'), hints: queueHints }
        : undefined,
    ),
    ...jobHandlers({ engine: jobs, desktopTasks: jobsRuntime.desktopTasks, approvals, audit, clock }),
  ];
  const sockets = new Set<net.Socket>();
  const ipcLog = childLogger(log, 'ipc');
  const stopForwarding = status.onChanged((snapshot) => {
    notifier.send({ to: 'sessions' }, AgentStatusChanged, snapshot);
  });

  let server: net.Server | null = null;
  let health: Awaited<ReturnType<typeof startHealthServer>> | null = null;
  /**
   * The one way down, for a start that failed and for stop(): open flows end first (their clients
   * are still connected and hear why), then what serves, then the store. A part that never started
   * is skipped.
   */
  const teardown = async () => {
    stopForwarding();
    broker.closeAll();
    jobsRuntime.desktopTasks.closeAll();
    fleet?.stop();
    approvals.stop();
    grants.stop();
    runs.stopAll();
    programs.releaseAll();
    edits.closeAll();
    jobsWatcher.close();
    await jobs.stop();
    await elevation.settled();
    stopFlushOnReconnect();
    // Only an agent that served records its stop; a failed start adds nothing to the audit log.
    if (server) {
      audit.checkpoint(clock.now());
      await forwarder.flush();
    }
    forwarder.stop();
    if (server) {
      const listening = server;
      const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      if (process.platform !== 'win32') {
        try {
          unlinkSync(options.socket);
        } catch (error) {
          // Usually already gone (ENOENT): nothing to clean up.
          log.debug({ socket: options.socket, err: (error as Error).message }, 'socket file not removed at stop');
        }
      }
    }
    await health?.close();
    policies.close();
    db.close();
  };
  try {
    server = await listenOnSocket(
      options.socket,
      (socket) => {
        if (sockets.size >= options.limits.maxConnections) {
          refuse(socket, `the agent already serves ${options.limits.maxConnections} connections`);
          return;
        }
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        acceptConnection(
          socket,
          handlers,
          DEFAULT_FRAME_LIMITS,
          options.limits,
          ipcLog,
          (c) => {
            if (registry.countFor(c.peer.uid) >= options.limits.maxConnectionsPerUser) {
              refuse(socket, `this user already has ${options.limits.maxConnectionsPerUser} connections open`);
              return;
            }
            registry.add(c);
          },
          (c) => {
            registry.remove(c);
            runs.connectionClosed(c);
          },
        );
      },
      isRoot,
    );
  } catch (error) {
    await teardown();
    throw error;
  }
  status.setPlugin(Plugins.ipc, 'Healthy');

  try {
    health = await startHealthServer(
      options.healthPort,
      () => ({ healthy: status.snapshot().plugins.every((p) => p.state !== 'Failed'), version: AGENT_VERSION }),
      () => clock.now(),
    );
    status.setHealthUrl(health.url);
    status.setPlugin(Plugins.health, 'Healthy');
  } catch (error) {
    // The socket is the product's lifeline; a taken monitoring port degrades health reporting only.
    status.setPlugin(Plugins.health, 'Failed', `cannot listen on 127.0.0.1:${options.healthPort}: ${(error as Error).message}`);
    log.error({ port: options.healthPort, err: (error as Error).message }, 'health endpoint unavailable');
  }
  fleet?.start();
  // A turn later, so the first connection is served before the startup jobs spawn and write their runs.
  const startupJobs = setImmediate(() => {
    void jobs.fire('Startup', {}).catch((error: unknown) => log.error({ err: (error as Error).message }, 'startup jobs failed'));
  });
  log.info({ socket: options.socket, health: health?.url, version: AGENT_VERSION }, 'keeper-agent started');

  let stopping: Promise<void> | null = null;
  return {
    socketPath: options.socket,
    status,
    stop() {
      stopping ??= (async () => {
        clearImmediate(startupJobs);
        status.setPlugin(Plugins.ipc, 'Stopping');
        await teardown();
      })();
      return stopping;
    },
  };
}
