import { describe, expect, it } from 'vitest';
import type { TrayState } from '../../../../../shared/bridge/src/common/services/tray.ts';
import { trayIndicator, trayMenu } from './trayMenu.ts';

const base: Omit<TrayState, 'indicator'> = {
  connection: 'connected',
  health: { ok: true, checkedAt: '2026-11-23T10:00:00.000Z', problem: null },
  promptsWaiting: 0,
  approvalsPending: 0,
  agentProblems: 0,
  pending: [],
  running: 0,
  suiteVersion: '1.0.0',
  agentVersion: '1.0.0',
};
const state = (change: Partial<Omit<TrayState, 'indicator'>> = {}): TrayState => {
  const merged = { ...base, ...change };
  return { ...merged, indicator: trayIndicator(merged) };
};
const ids = (s: TrayState, approverWindow = true) => trayMenu(s, { approverWindow }).map((item) => item.id);

describe('tray state and menu (platform-neutral)', () => {
  it('picks the most urgent indicator: gone, then attention, then pending, then connected', () => {
    expect(state().indicator).toBe('connected');
    expect(state({ pending: [{ requestId: 'r1', commandLine: 'id', currentControl: null }] }).indicator).toBe('pending');
    expect(state({ approvalsPending: 1 }).indicator).toBe('pending');
    expect(state({ promptsWaiting: 1, approvalsPending: 1 }).indicator).toBe('attention');
    expect(state({ agentProblems: 2 }).indicator).toBe('attention');
    expect(state({ connection: 'disconnected', promptsWaiting: 1 }).indicator).toBe('offline');
    // The socket is open but the agent stopped answering its health check.
    expect(state({ health: { ok: false, checkedAt: '2026-11-23T10:00:30.000Z', problem: 'agent.status timed out' } }).indicator).toBe('offline');
    // Not checked yet is not a failure.
    expect(state({ health: { ok: false, checkedAt: null, problem: null } }).indicator).toBe('connected');
  });

  it('lists quick-elevate, pending requests, network settings, the approval queue, KeeperAgent and About', () => {
    expect(ids(state())).toEqual([
      'header',
      'separator-top',
      'quick-elevate',
      'pending-requests',
      'open-network-settings',
      'open-approver',
      'open-agent',
      'separator-bottom',
      'about',
      'quit',
    ]);
    expect(ids(state(), false)).not.toContain('open-approver');
  });

  it('puts each pending request in the menu, with the control it waits for', () => {
    const menu = trayMenu(state({ pending: [{ requestId: 'req-1', commandLine: 'id -u', currentControl: 'JUSTIFY' }] }), { approverWindow: false });
    expect(menu.find((item) => item.id === 'pending:req-1')).toEqual({
      kind: 'action',
      id: 'pending:req-1',
      label: { key: 'menu.pendingRequestWaiting', values: { command: 'id -u', control: 'JUSTIFY' } },
      enabled: true,
    });
    expect(menu.find((item) => item.id === 'pending-requests')).toMatchObject({ enabled: true, label: { values: { count: 1 } } });
  });

  it('says what quitting also ends: the programs started from this desktop that still run', () => {
    expect(trayMenu(state(), { approverWindow: false }).at(-1)).toEqual({ kind: 'action', id: 'quit', label: { key: 'menu.quit' }, enabled: true });
    expect(trayMenu(state({ running: 2 }), { approverWindow: false }).at(-1)).toEqual({
      kind: 'action',
      id: 'quit',
      label: { key: 'menu.quitEnding', values: { count: 2 } },
      enabled: true,
    });
  });

  it('says in the header when the agent is gone, and disables what needs it', () => {
    const menu = trayMenu(state({ connection: 'disconnected' }), { approverWindow: true });
    expect(menu[0]).toMatchObject({ kind: 'header', label: { key: 'menu.header.offline' } });
    expect(menu.find((item) => item.id === 'quick-elevate')).toMatchObject({ enabled: false });
    expect(menu.find((item) => item.id === 'open-approver')).toMatchObject({ enabled: false });
    expect(menu.find((item) => item.id === 'open-network-settings')).toMatchObject({ enabled: true });
    expect(menu.find((item) => item.id === 'pending-requests')).toMatchObject({ enabled: false });
  });
});
