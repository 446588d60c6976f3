import type { WindowId } from '../../../../../shared/bridge/src/common/windows.ts';

export interface WindowDefinition {
  readonly id: WindowId;
  /** Window title before the page sets its own (the page's title is translated). */
  readonly title: string;
  readonly width: number;
  readonly height: number;
  readonly resizable: boolean;
}

/** Size and chrome of every window; which services it may reach lives in shared/bridge. */
export const WINDOW_CATALOG: Readonly<Record<WindowId, WindowDefinition>> = {
  'keeper-agent': { id: 'keeper-agent', title: 'Keeper Agent', width: 560, height: 760, resizable: true },
  'keeper-justification': { id: 'keeper-justification', title: 'Justification required', width: 560, height: 640, resizable: false },
  'keeper-mfa': { id: 'keeper-mfa', title: 'Verify it is you', width: 560, height: 720, resizable: false },
  'keeper-message': { id: 'keeper-message', title: 'Notice', width: 560, height: 640, resizable: false },
  'keeper-approval': { id: 'keeper-approval', title: 'Approve this action?', width: 560, height: 640, resizable: false },
  'keeper-approval-pending': { id: 'keeper-approval-pending', title: 'Waiting for approval', width: 560, height: 720, resizable: false },
  'keeper-approver': { id: 'keeper-approver', title: 'Approval requests', width: 1180, height: 800, resizable: true },
  'keeper-client': { id: 'keeper-client', title: 'Keeper', width: 420, height: 640, resizable: false },
  'keeper-quick-elevate': { id: 'keeper-quick-elevate', title: 'Quick elevate', width: 560, height: 760, resizable: true },
  'keeper-network-connections': { id: 'keeper-network-connections', title: 'Network connections', width: 640, height: 760, resizable: true },
};

export interface WindowLaunchOptions {
  readonly locale?: string;
  readonly theme?: 'light' | 'dark' | 'system';
}

/** Query string every host appends to a window's page: the preferences the page starts with. */
export function launchQuery(options: WindowLaunchOptions): string {
  const query = new URLSearchParams();
  if (options.locale) query.set('lng', options.locale);
  if (options.theme && options.theme !== 'system') query.set('theme', options.theme);
  const text = query.toString();
  return text ? `?${text}` : '';
}
