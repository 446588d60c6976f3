import { homedir } from 'node:os';
import { join } from 'node:path';
import type { i18n } from 'i18next';
import { BehaviorSubject, combineLatest, distinctUntilChanged, filter, map, shareReplay, type Observable } from 'rxjs';
import type { PromptKind } from '../../../../../shared/protocol/src/common/index.ts';
import type { PromptQueueView } from '../../../../../shared/bridge/src/common/services/prompts.ts';
import { bindService, type ServiceBinding } from '../../../../../shared/bridge/src/main/serviceDispatcher.ts';
import { NetworkConnectionsService } from '../../../../../shared/bridge/src/common/services/networkConnections.ts';
import { QuickElevateService } from '../../../../../shared/bridge/src/common/services/quickElevate.ts';
import {
  TrayService as TrayBridgeService,
  type TrayLabel,
  type TrayPendingRequest,
  type TrayView,
} from '../../../../../shared/bridge/src/common/services/tray.ts';
import { isWindowId, type WindowId } from '../../../../../shared/bridge/src/common/windows.ts';
import type { AgentLink } from '../agent/agentLink.ts';
import { ElevationRunner } from '../elevation/elevationRunner.ts';
import { networkConnectionsMainService } from '../network/networkConnectionsMainService.ts';
import { SYSTEM_SOURCES } from '../network/networkInventory.ts';
import type { Toaster } from '../notifications/toaster.ts';
import { applicationDirs, installedApplications } from '../quickElevate/installedApplications.ts';
import { AllowedApplicationsCache } from '../quickElevate/allowedApplications.ts';
import { quickElevateExplainer, quickElevateMainService } from '../quickElevate/quickElevateMainService.ts';
import { logToStderr, type ProblemLog } from '../elevation/elevationProblem.ts';
import { RecentApplications } from '../quickElevate/recentApplications.ts';
import { resultToast } from '../quickElevate/resultToasts.ts';
import { HealthMonitor } from './healthMonitor.ts';
import { pendingRequests, runningPrograms, trayView$ } from './trayModel.ts';

export interface ClientServicesOptions {
  readonly agent: AgentLink;
  /** The prompt queues this desktop shows, by kind. */
  readonly promptQueue$: (kind: PromptKind) => Observable<PromptQueueView>;
  readonly promptKinds: readonly PromptKind[];
  readonly openWindow: (id: WindowId) => void;
  readonly suiteVersion: string;
  /** The app's per-user data folder (recent quick-elevate applications). */
  readonly userDataDir: string;
  readonly healthIntervalMs?: number;
  readonly toaster: Toaster;
  /** Main's translations (native menu, result toasts), shared with the rest of main. */
  readonly i18n: i18n;
  readonly env?: NodeJS.ProcessEnv;
  /** Ends the suite ("Quit Keeper"); without it the item does nothing. */
  readonly quit?: () => void;
  /** Where the raw text behind a problem a window shows goes (stderr unless given). */
  readonly log?: ProblemLog;
}

/** Which window each tray menu item opens. */
const TRAY_TARGETS: Readonly<Record<string, string>> = {
  'quick-elevate': 'keeper-quick-elevate',
  'pending-requests': 'keeper-quick-elevate',
  pending: 'keeper-quick-elevate',
  'open-network-settings': 'keeper-network-connections',
  'open-approver': 'keeper-approver',
  'open-agent': 'keeper-agent',
  about: 'keeper-client',
};

/**
 * KeeperClient's main side: the tray (state, menu, health check), quick-elevate and
 * Keeper.NetworkConnections, as bridge bindings for the composition root.
 */
export function createClientServices(options: ClientServicesOptions) {
  const env = options.env ?? process.env;
  const { i18n } = options;
  const log = options.log ?? logToStderr;
  const runner = new ElevationRunner(options.agent, undefined, log);
  const health = new HealthMonitor(options.agent, options.healthIntervalMs);
  const approverWindow = isWindowId('keeper-approver');
  const prompts$ = combineLatest(
    options.promptKinds.map((kind) => options.promptQueue$(kind).pipe(map((queue) => ({ kind, count: queue.current ? 1 + queue.waiting : 0 })))),
  ).pipe(
    map((counts) => ({
      // The "waiting for approval" notice asks nothing of the user: it is a pending request.
      waiting: counts.filter((c) => c.kind !== 'approval').reduce((sum, c) => sum + c.count, 0),
      approvals: counts.filter((c) => c.kind === 'approval').reduce((sum, c) => sum + c.count, 0),
    })),
  );
  // Kept from the start, so a tray page opened later still sees every request already pending.
  const pending$ = new BehaviorSubject<TrayPendingRequest[]>([]);
  const pendingUpdates = pendingRequests(runner.changes$).subscribe(pending$);
  const running$ = new BehaviorSubject(0);
  const runningUpdates = runningPrograms(runner.changes$).subscribe(running$);
  // Computed once and shared by the native tray and every keeper-client page.
  const view$: Observable<TrayView> = trayView$(
    { link$: options.agent.status$, health$: health.health$, prompts$, pending$, running$, suiteVersion: options.suiteVersion },
    { approverWindow },
  ).pipe(shareReplay({ bufferSize: 1, refCount: true }));
  // Back from a lost link: check at once rather than show "gone" until the next interval.
  const reconnected = options.agent.status$
    .pipe(
      map((view) => view.connection),
      distinctUntilChanged(),
      filter((connection) => connection === 'connected'),
    )
    .subscribe(() => void health.check());

  const activate = (itemId: string): Promise<{ opened: string | null }> => {
    // After this call's answer is on its way, so the page learns it was heard before main goes.
    if (itemId === 'quit') {
      if (options.quit) setImmediate(options.quit);
      return Promise.resolve({ opened: null });
    }
    const target = TRAY_TARGETS[itemId.split(':')[0]!];
    if (!target || !isWindowId(target)) return Promise.resolve({ opened: null });
    options.openWindow(target);
    return Promise.resolve({ opened: target });
  };

  const allowed = new AllowedApplicationsCache({
    candidates: () => installedApplications(applicationDirs(env, homedir()), env),
    explain: quickElevateExplainer(options.agent, homedir()),
    policiesLoadedAt: () => options.agent.current.status?.policies.loadedAt ?? null,
    log,
  });
  // Made ahead on connect and after each policy reload, so quick-elevate opens with it at once.
  const policyLoads = options.agent.status$
    .pipe(
      map((view) => (view.connection === 'connected' ? (view.status?.policies.loadedAt ?? null) : null)),
      distinctUntilChanged(),
      filter((loadedAt) => loadedAt !== null),
    )
    .subscribe(() => void allowed.refresh());
  const quickElevate = quickElevateMainService({
    link: options.agent,
    runner,
    recent: new RecentApplications(join(options.userDataDir, 'quick-elevate-recent.json')),
    allowed,
    env,
    log,
    onResult: (entry) => {
      const toast = resultToast(entry, i18n.t);
      if (toast) void options.toaster.show(toast);
    },
  });

  const bindings: Array<readonly [string, ServiceBinding]> = [
    [TrayBridgeService.channel, bindService(TrayBridgeService, { view$: () => view$, activate: (id) => activate(id) })],
    [QuickElevateService.channel, bindService(QuickElevateService, quickElevate)],
    [NetworkConnectionsService.channel, bindService(NetworkConnectionsService, networkConnectionsMainService(runner, { ...SYSTEM_SOURCES, log }))],
  ];

  return {
    bindings,
    tray: {
      view$,
      activate,
      /** A menu label in the desktop's language, as the keeper-client page words it. */
      translate: (label: TrayLabel) => {
        const control = label.values?.['control'];
        return i18n.t(label.key, { ...label.values, ...(control ? { control: i18n.t(`control.${control}`) } : {}) });
      },
    },
    start: () => health.start(),
    stop: () => {
      reconnected.unsubscribe();
      policyLoads.unsubscribe();
      pendingUpdates.unsubscribe();
      runningUpdates.unsubscribe();
      health.stop();
    },
  };
}

export type ClientServices = ReturnType<typeof createClientServices>;
