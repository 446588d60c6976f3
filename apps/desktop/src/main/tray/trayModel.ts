import { isDeepStrictEqual } from 'node:util';
import { combineLatest, distinctUntilChanged, map, scan, startWith, type Observable } from 'rxjs';
import type { AgentStatus } from '../../../../../shared/protocol/src/common/index.ts';
import type { AgentStatusView } from '../../../../../shared/bridge/src/common/services/agentStatus.ts';
import type { TrayPendingRequest, TrayState, TrayView } from '../../../../../shared/bridge/src/common/services/tray.ts';
import type { TrackedElevation } from '../elevation/elevationRunner.ts';
import type { HealthCheck } from './healthMonitor.ts';
import { trayIndicator, trayMenu, type TrayMenuOptions } from './trayMenu.ts';

export interface TrayInputs {
  readonly link$: Observable<AgentStatusView>;
  readonly health$: Observable<HealthCheck>;
  /** Prompts waiting for this user's answer, and "waiting for approval" notices. */
  readonly prompts$: Observable<{ readonly waiting: number; readonly approvals: number }>;
  /** This desktop's own requests waiting for a decision (see `pendingRequests`). */
  readonly pending$: Observable<TrayPendingRequest[]>;
  /** How many programs this desktop started still run (see `runningPrograms`). */
  readonly running$: Observable<number>;
  readonly suiteVersion: string;
}

/** What the agent says is wrong with itself: a plugin not healthy, a policy file with errors, no backend. */
export function agentProblems(status: AgentStatus | null): number {
  if (!status) return 0;
  const plugins = status.plugins.filter((p) => p.state === 'Unhealthy' || p.state === 'Failed').length;
  return plugins + status.policies.errors.length + (status.online ? 0 : 1);
}

/** The requests still pending, from every change of this desktop's own elevation requests. */
export function pendingRequests(elevations$: Observable<TrackedElevation | null>): Observable<TrayPendingRequest[]> {
  return elevations$.pipe(
    scan((pending, entry) => {
      if (!entry) return pending;
      const next = new Map(pending);
      if (entry.phase === 'pending')
        next.set(entry.requestId, { requestId: entry.requestId, commandLine: entry.commandLine, currentControl: entry.currentControl });
      else next.delete(entry.requestId);
      return next;
    }, new Map<string, TrayPendingRequest>()),
    map((pending) => [...pending.values()]),
    startWith([]),
  );
}

/** How many of this desktop's elevated programs are starting or running, from every change. */
export function runningPrograms(elevations$: Observable<TrackedElevation | null>): Observable<number> {
  return elevations$.pipe(
    scan((running, entry) => {
      if (!entry) return running;
      const next = new Set(running);
      if (entry.phase === 'starting' || entry.phase === 'running') next.add(entry.requestId);
      else next.delete(entry.requestId);
      return next;
    }, new Set<string>()),
    map((running) => running.size),
    startWith(0),
    distinctUntilChanged(),
  );
}

/** The tray's state and menu, recomputed on every change of what it shows. */
export function trayView$(inputs: TrayInputs, options: TrayMenuOptions): Observable<TrayView> {
  return combineLatest([inputs.link$, inputs.health$, inputs.prompts$, inputs.pending$, inputs.running$]).pipe(
    map(([link, health, prompts, pending, running]): TrayView => {
      const status = health.status ?? link.status;
      const base: Omit<TrayState, 'indicator'> = {
        connection: link.connection,
        health: { ok: health.ok, checkedAt: health.checkedAt, problem: health.problem },
        promptsWaiting: prompts.waiting,
        approvalsPending: prompts.approvals,
        agentProblems: link.connection === 'connected' ? agentProblems(status) : 0,
        pending,
        running,
        suiteVersion: inputs.suiteVersion,
        agentVersion: status?.version ?? null,
      };
      const state: TrayState = { ...base, indicator: trayIndicator(base) };
      return { state, menu: trayMenu(state, options) };
    }),
    distinctUntilChanged((a, b) => isDeepStrictEqual(a, b)),
  );
}
