import type { TrayIndicator, TrayMenuItem, TrayState } from '../../../../../shared/bridge/src/common/services/tray.ts';

export interface TrayMenuOptions {
  /** Whether the approver queue window exists in this build. */
  readonly approverWindow: boolean;
}

/** Which indicator the state calls for: gone beats attention beats pending beats all well. */
export function trayIndicator(state: Omit<TrayState, 'indicator'>): TrayIndicator {
  if (state.connection !== 'connected' || (state.health.checkedAt !== null && !state.health.ok)) return 'offline';
  if (state.promptsWaiting > 0 || state.agentProblems > 0) return 'attention';
  if (state.pending.length > 0 || state.approvalsPending > 0) return 'pending';
  return 'connected';
}

/**
 * The tray menu for a state, platform-neutral: the Electron Tray and the web shell's
 * `keeper-client` page both render exactly this list.
 */
export function trayMenu(state: TrayState, options: TrayMenuOptions): TrayMenuItem[] {
  const online = state.indicator !== 'offline';
  const pendingCount = state.pending.length + state.approvalsPending;
  const items: TrayMenuItem[] = [
    {
      kind: 'header',
      id: 'header',
      label: { key: `menu.header.${state.indicator}`, values: { prompts: state.promptsWaiting, pending: pendingCount, problems: state.agentProblems } },
    },
    { kind: 'separator', id: 'separator-top' },
    { kind: 'action', id: 'quick-elevate', label: { key: 'menu.quickElevate' }, enabled: online },
    { kind: 'action', id: 'pending-requests', label: { key: 'menu.pendingRequests', values: { count: pendingCount } }, enabled: pendingCount > 0 },
    ...state.pending.map((request): TrayMenuItem => ({
      kind: 'action',
      id: `pending:${request.requestId}`,
      label: request.currentControl
        ? { key: 'menu.pendingRequestWaiting', values: { command: request.commandLine, control: request.currentControl } }
        : { key: 'menu.pendingRequest', values: { command: request.commandLine } },
      enabled: true,
    })),
    { kind: 'action', id: 'open-network-settings', label: { key: 'menu.openNetworkSettings' }, enabled: true },
    ...(options.approverWindow ? [{ kind: 'action', id: 'open-approver', label: { key: 'menu.openApprover' }, enabled: online } as const] : []),
    { kind: 'action', id: 'open-agent', label: { key: 'menu.openAgent' }, enabled: true },
    { kind: 'separator', id: 'separator-bottom' },
    { kind: 'action', id: 'about', label: { key: 'menu.about' }, enabled: true },
    // The tray keeps the suite running with no window open, so ending it is a menu item of its own.
    // Says what quitting also ends: programs started from here run on the suite's agent connection.
    {
      kind: 'action',
      id: 'quit',
      label: state.running > 0 ? { key: 'menu.quitEnding', values: { count: state.running } } : { key: 'menu.quit' },
      enabled: true,
    },
  ];
  return items;
}
