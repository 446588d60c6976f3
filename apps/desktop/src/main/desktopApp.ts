import { homedir } from 'node:os';
import { join } from 'node:path';
import { ServiceDispatcher, bindService, type ServiceBinding } from '../../../../shared/bridge/src/main/serviceDispatcher.ts';
import { AgentStatusService } from '../../../../shared/bridge/src/common/services/agentStatus.ts';
import { MfaEnrollmentService } from '../../../../shared/bridge/src/common/services/mfaEnrollment.ts';
import { PROMPT_SERVICES } from '../../../../shared/bridge/src/common/services/prompts.ts';
import { PROMPT_WINDOWS } from '../../../../shared/protocol/src/common/index.ts';
import { PromptCenter } from './prompts/promptCenter.ts';
import { WINDOW_SERVICES, type WindowId } from '../../../../shared/bridge/src/common/windows.ts';
import { AgentLink } from './agent/agentLink.ts';
import type { Presence, WindowHost } from './hosts/windowHost.ts';
import { promptWindowService } from './prompts/promptWindowService.ts';
import { agentStatusMainService } from './services/agentStatusMainService.ts';
import { mfaEnrollmentMainService } from './services/mfaEnrollmentMainService.ts';
import { AgentDetailsService } from '../../../../shared/bridge/src/common/services/agentDetails.ts';
import { agentDetailsMainService } from './services/agentDetailsMainService.ts';
import { ApproverQueueService } from '../../../../shared/bridge/src/common/services/approverQueue.ts';
import { ApproverQueue } from './approvals/approverQueue.ts';
import { arrivalToast } from './approvals/arrivalToast.ts';
import { nodeNotifierBackend } from './notifications/nodeNotifierBackend.ts';
import { createToaster, type Toaster } from './notifications/toaster.ts';
import { approverQueueMainService } from './services/approverQueueMainService.ts';
import { ApproverSettingsFile } from './approvals/approverSettingsFile.ts';
import { defaultUserDataDir } from './quickElevate/recentApplications.ts';
import { createClientServices, type ClientServices } from './tray/clientServices.ts';
import { createMainI18n } from './tray/mainI18n.ts';
import { startDesktopTaskRunner } from './jobs/desktopTaskRunner.ts';
import { JobRunsService } from '../../../../shared/bridge/src/common/services/jobRuns.ts';
import { jobRunsMainService } from './services/jobRunsMainService.ts';
import { WindowLaunchService } from '../../../../shared/bridge/src/common/services/windowLaunch.ts';
import { LaunchParameterStore } from './windows/launchParameterStore.ts';

/** The prompt kinds this desktop shows: each has a bridge service and a window in the registry. */
const PROMPT_KINDS = (Object.keys(PROMPT_SERVICES) as Array<keyof typeof PROMPT_SERVICES>).filter((kind) => PROMPT_WINDOWS[kind]);

export interface DesktopOptions {
  readonly socketPath: string;
  readonly version: string;
  /** Desktop notifications; node-notifier unless given (Electron passes its own Notification). */
  readonly toaster?: Toaster;
  /** The desktop's language, for texts main shows itself (toasts). */
  readonly locale?: string;
  /** Per-user data (recent quick-elevate applications); ~/.config/keeper-desktop unless given. */
  readonly userDataDir?: string;
  /** How often the tray checks the agent's health (30 s unless given). */
  readonly healthIntervalMs?: number;
  /** What the tray's "Quit Keeper" does: Electron's app.quit(), or the launcher's shutdown. */
  readonly onQuit?: () => void;
}

export interface DesktopApp {
  readonly agent: AgentLink;
  /** The suite's toasts, for every part of main that notifies the user. */
  readonly toaster: Toaster;
  /** The tray's state and menu (KeeperClient), for the native tray. */
  readonly tray: ClientServices['tray'];
  /**
   * The services one loaded page of window `id` may reach, bound to their implementations; a prompt
   * window's page sees prompts only while `presence` says it is the presented one.
   */
  dispatcherFor(id: WindowId, presence: Presence): ServiceDispatcher;
  /** The user closed window `id`: a prompt window's current prompt counts as cancelled. */
  windowClosedByUser(id: WindowId): void;
  attach(host: WindowHost): void;
  stop(): Promise<void>;
}

/**
 * The main process's composition root: one agent link, the service implementations over it, and a
 * dispatcher per window that holds only the services that window was granted. Policy is never
 * decided here; every answer comes from the agent.
 */
export function createDesktopApp(options: DesktopOptions): DesktopApp {
  const agent = new AgentLink({ socketPath: options.socketPath, clientVersion: options.version });
  let host: WindowHost | null = null;
  const prompts = new PromptCenter(
    agent,
    (kind) => {
      const id = PROMPT_WINDOWS[kind];
      if (id) void host?.open(id);
    },
    (kind) => {
      const id = PROMPT_WINDOWS[kind];
      if (id) host?.close(id);
    },
  );
  const toaster = options.toaster ?? createToaster({ backend: nodeNotifierBackend });
  const userDataDir = options.userDataDir ?? defaultUserDataDir(process.env, homedir());
  // What main itself shows (toasts, the native tray menu), in the desktop's language: one instance.
  const i18n = createMainI18n(options.locale ?? 'en');
  const toastText = i18n.getFixedT(null, 'approver');
  const launch = options.locale ? { locale: options.locale } : {};
  let approverWindowOpened = false;
  const approverQueue = new ApproverQueue({
    link: agent,
    selfUid: process.getuid?.() ?? null,
    onArrival: (approval) => void toaster.show(arrivalToast(approval, toastText)),
    // Approvers get their queue at start, once; others never see it open by itself.
    onRoles: (roles) => {
      if (roles.length === 0 || approverWindowOpened) return;
      approverWindowOpened = true;
      void host?.open('keeper-approver');
    },
  });
  // What each window was opened with (a redirect's source program), for its page to read.
  const launchParameters = new LaunchParameterStore();
  // UserDesktop tasks of the agent's jobs: toasts (send-toast) and windows (redirects).
  startDesktopTaskRunner(agent, {
    toaster,
    openWindow: (id, parameters) => {
      if (!host) return Promise.reject(new Error('no window host is attached yet'));
      launchParameters.set(id, parameters);
      return host.open(id, launch);
    },
  });
  const client = createClientServices({
    agent,
    promptQueue$: (kind) => prompts.queue$(kind),
    promptKinds: PROMPT_KINDS,
    openWindow: (id) => {
      launchParameters.set(id, {});
      void host?.open(id, launch);
    },
    suiteVersion: options.version,
    userDataDir,
    ...(options.healthIntervalMs ? { healthIntervalMs: options.healthIntervalMs } : {}),
    ...(options.onQuit ? { quit: options.onQuit } : {}),
    toaster,
    i18n,
  });
  const bindings: ReadonlyMap<string, ServiceBinding> = new Map([
    ...client.bindings,
    [
      ApproverQueueService.channel,
      bindService(
        ApproverQueueService,
        approverQueueMainService(
          agent,
          approverQueue,
          toaster,
          new ApproverSettingsFile(join(userDataDir, 'approver-settings.json'), (problem) => console.warn(problem)),
        ),
      ),
    ],
    [AgentStatusService.channel, bindService(AgentStatusService, agentStatusMainService(agent))],
    [MfaEnrollmentService.channel, bindService(MfaEnrollmentService, mfaEnrollmentMainService(agent))],
    [AgentDetailsService.channel, bindService(AgentDetailsService, agentDetailsMainService(agent))],
    [JobRunsService.channel, bindService(JobRunsService, jobRunsMainService(agent))],
  ]);
  // Each kind's service sees and answers only that kind's prompts, and only in the presented page.
  const promptBinding = (channel: string, presence: Presence): ServiceBinding | undefined => {
    const kind = PROMPT_KINDS.find((k) => PROMPT_SERVICES[k].channel === channel);
    return kind ? bindService(PROMPT_SERVICES[kind], promptWindowService(prompts, kind, presence)) : undefined;
  };

  return {
    agent,
    toaster,
    tray: client.tray,
    dispatcherFor(id, presence) {
      return new ServiceDispatcher(
        WINDOW_SERVICES[id].map((descriptor) => {
          const binding =
            descriptor.channel === WindowLaunchService.channel
              ? bindService(WindowLaunchService, { parameters$: () => launchParameters.of(id) })
              : (promptBinding(descriptor.channel, presence) ?? bindings.get(descriptor.channel));
          if (!binding) throw new Error(`no implementation is bound for ${descriptor.channel}`);
          return binding;
        }),
      );
    },
    windowClosedByUser(id) {
      const kind = PROMPT_KINDS.find((k) => PROMPT_WINDOWS[k] === id);
      // Closing the "approval pending" notice only hides it: the request stays with its approvers
      // (withdrawing is the window's own button).
      if (kind && kind !== 'approval') prompts.cancelCurrent(kind);
    },
    attach(windowHost) {
      host = windowHost;
      // Prompt windows wait loaded and hidden, so a prompt only has to be shown (docs/benchmarks.md).
      for (const id of PROMPT_KINDS.flatMap((kind) => PROMPT_WINDOWS[kind] ?? [])) windowHost.prewarm(id);
      agent.start();
      client.start();
    },
    async stop() {
      client.stop();
      agent.stop();
      await host?.dispose();
    },
  };
}
