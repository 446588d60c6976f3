import { BehaviorSubject, firstValueFrom, of, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../../../../shared/protocol/src/common/index.ts';
import type { AgentStatusView } from '../../../../../shared/bridge/src/common/services/agentStatus.ts';
import type { TrayPendingRequest } from '../../../../../shared/bridge/src/common/services/tray.ts';
import type { TrackedElevation } from '../elevation/elevationRunner.ts';
import { agentProblems, pendingRequests, runningPrograms, trayView$ } from './trayModel.ts';

const entry = (requestId: string, phase: TrackedElevation['phase'], currentControl: TrackedElevation['currentControl'] = null): TrackedElevation => ({
  requestId,
  commandLine: `cmd ${requestId}`,
  phase,
  decision: phase === 'pending' ? 'pending' : 'allowed',
  currentControl,
  passed: [],
  reason: '',
  reasonDetail: null,
  problem: null,
  pid: null,
  exitCode: null,
  signal: null,
  outputTail: '',
  updatedAt: '2026-11-23T10:00:00.000Z',
});

const status = (change: Partial<AgentStatus> = {}): AgentStatus => ({
  version: '1.0.0',
  agentId: 'a-1',
  startedAt: '2026-11-23T09:00:00.000Z',
  uptimeSeconds: 10,
  online: true,
  backend: 'embedded',
  logLevel: 'Warning',
  healthUrl: null,
  plugins: [{ name: 'store', state: 'Healthy' }],
  policies: { active: 1, collections: 0, files: 1, errors: [], loadedAt: null },
  ...change,
});

describe('tray model', () => {
  it('keeps the requests still pending, with the control each waits for', () => {
    const changes = new Subject<TrackedElevation | null>();
    const seen: TrayPendingRequest[][] = [];
    pendingRequests(changes).subscribe((pending) => seen.push(pending));
    changes.next(entry('r1', 'pending'));
    changes.next(entry('r2', 'pending'));
    changes.next(entry('r1', 'pending', 'JUSTIFY'));
    changes.next(entry('r2', 'denied'));
    expect(seen.at(-1)).toEqual([{ requestId: 'r1', commandLine: 'cmd r1', currentControl: 'JUSTIFY' }]);
    changes.next(entry('r1', 'running'));
    expect(seen.at(-1)).toEqual([]);
  });

  it('counts the programs still running, which quitting the suite would end', () => {
    const changes = new Subject<TrackedElevation | null>();
    const seen: number[] = [];
    runningPrograms(changes).subscribe((count) => seen.push(count));
    changes.next(entry('r1', 'pending'));
    changes.next(entry('r1', 'starting'));
    changes.next(entry('r1', 'running'));
    changes.next(entry('r2', 'running'));
    changes.next(entry('r1', 'exited'));
    changes.next(entry('r2', 'failed'));
    expect(seen).toEqual([0, 1, 2, 1, 0]);
  });

  it('counts what the agent reports wrong with itself', () => {
    expect(agentProblems(null)).toBe(0);
    expect(agentProblems(status())).toBe(0);
    expect(
      agentProblems(
        status({
          online: false,
          plugins: [
            { name: 'store', state: 'Failed' },
            { name: 'jobs', state: 'Starting' },
          ],
          policies: { active: 1, collections: 0, files: 2, errors: [{ file: 'bad.json', path: '', message: 'not JSON' }], loadedAt: null },
        }),
      ),
    ).toBe(3);
  });

  it('combines link, health, prompts and pending requests into one view', async () => {
    const link: AgentStatusView = {
      connection: 'connected',
      status: status({ policies: { active: 1, collections: 0, files: 1, errors: [{ file: 'x', path: '', message: 'bad' }], loadedAt: null } }),
      lastError: null,
      changedAt: '2026-11-23T10:00:00.000Z',
    };
    const view = await firstValueFrom(
      trayView$(
        {
          link$: of(link),
          health$: of({ ok: true, checkedAt: '2026-11-23T10:00:00.000Z', problem: null, status: null }),
          prompts$: of({ waiting: 0, approvals: 1 }),
          pending$: new BehaviorSubject<TrayPendingRequest[]>([]),
          running$: of(0),
          suiteVersion: '2.0.0',
        },
        { approverWindow: false },
      ),
    );
    expect(view.state).toMatchObject({ indicator: 'attention', agentProblems: 1, approvalsPending: 1, agentVersion: '1.0.0', suiteVersion: '2.0.0' });
    expect(view.menu[0]).toMatchObject({ label: { key: 'menu.header.attention' } });
  });
});
