import type { z } from 'zod';
import type { PromptControlName as PromptControlSchema } from './methods/elevation.ts';
import type { PromptKind } from './methods/prompt.ts';

type PromptControlName = z.infer<typeof PromptControlSchema>;

/** One window of the suite: everything outside its own folder (apps/<id>/src/renderer) that names it. */
export interface WindowEntry {
  /** Window title before the page sets its own (the page's title is translated). */
  readonly title: string;
  readonly width: number;
  readonly height: number;
  readonly resizable: boolean;
  /** Its i18n namespace: shared/i18n/src/locales/<language>/<namespace>.json in every language. */
  readonly namespace: string;
  /** The prompt kind it answers (a prompt window); one window per kind. */
  readonly prompt?: PromptKind;
  /** The Keeper application name a policy-controls job task uses to present `controls` in this window. */
  readonly control?: { readonly application: string; readonly controls: readonly PromptControlName[] };
}

/**
 * Every window of the suite, the one list the rest derives from: the bridge's services per window,
 * the desktop's catalog and prompt windows, the agent's control windows, the preloads and the
 * renderer build. A window added here and not in its own folder fails tests/lint/windowRegistry.
 */
export const WINDOW_REGISTRY = {
  'keeper-agent': { title: 'Keeper Agent', width: 560, height: 760, resizable: true, namespace: 'agent' },
  'keeper-justification': {
    title: 'Justification required',
    width: 560,
    height: 640,
    resizable: false,
    namespace: 'justification',
    prompt: 'justification',
    control: { application: 'KeeperJustification', controls: ['JUSTIFY'] },
  },
  'keeper-mfa': {
    title: 'Verify it is you',
    width: 560,
    height: 720,
    resizable: false,
    namespace: 'mfa',
    prompt: 'mfa',
    control: { application: 'KeeperMFA', controls: ['MFA'] },
  },
  'keeper-message': {
    title: 'Notice',
    width: 560,
    height: 640,
    resizable: false,
    namespace: 'message',
    prompt: 'message',
    control: { application: 'KeeperMessage', controls: ['NOTIFY'] },
  },
  'keeper-approval': {
    title: 'Approve this action?',
    width: 560,
    height: 640,
    resizable: false,
    namespace: 'approval',
    prompt: 'operatorApproval',
    control: { application: 'KeeperApproval', controls: ['OPERATORAPPROVAL'] },
  },
  'keeper-approval-pending': {
    title: 'Waiting for approval',
    width: 560,
    height: 720,
    resizable: false,
    namespace: 'approvalPending',
    prompt: 'approval',
    // One application name for both approvals: the agent picks the window by the control.
    control: { application: 'KeeperApproval', controls: ['APPROVAL'] },
  },
  'keeper-approver': { title: 'Approval requests', width: 1180, height: 800, resizable: true, namespace: 'approver' },
  /** The tray's menu as a window (the web shell has no OS tray; Electron shows it for About). */
  'keeper-client': { title: 'Keeper', width: 420, height: 640, resizable: false, namespace: 'client' },
  'keeper-quick-elevate': { title: 'Quick elevate', width: 560, height: 760, resizable: true, namespace: 'quickElevate' },
  'keeper-network-connections': { title: 'Network connections', width: 640, height: 760, resizable: true, namespace: 'network' },
} as const satisfies Record<string, WindowEntry>;

export type WindowId = keyof typeof WINDOW_REGISTRY;
export const WINDOW_IDS = Object.keys(WINDOW_REGISTRY) as WindowId[];

export function isWindowId(value: string): value is WindowId {
  return Object.hasOwn(WINDOW_REGISTRY, value);
}

/** The window that answers each prompt kind; a kind without one is never shown on a desktop. */
export const PROMPT_WINDOWS: Readonly<Partial<Record<PromptKind, WindowId>>> = Object.fromEntries(
  WINDOW_IDS.flatMap((id) => {
    const entry: WindowEntry = WINDOW_REGISTRY[id];
    return entry.prompt ? [[entry.prompt, id]] : [];
  }),
);

/** Keeper's application names for the prompt windows, and the controls each can present. */
export const CONTROL_APPLICATIONS: Readonly<Record<string, readonly PromptControlName[]>> = WINDOW_IDS.reduce<Record<string, PromptControlName[]>>(
  (applications, id) => {
    const entry: WindowEntry = WINDOW_REGISTRY[id];
    if (entry.control) (applications[entry.control.application] ??= []).push(...entry.control.controls);
    return applications;
  },
  {},
);
