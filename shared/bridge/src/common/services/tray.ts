import * as z from 'zod';
import { PromptControlName } from '../../../../protocol/src/common/methods/elevation.ts';
import { call, defineService, stream } from '../serviceDescriptor.ts';

/** The tray icon's states, most urgent last: what the icon, its tooltip and the menu header show. */
export const TrayIndicator = z.enum(['connected', 'pending', 'attention', 'offline']);
export type TrayIndicator = z.infer<typeof TrayIndicator>;

export const TrayPendingRequest = z.object({
  requestId: z.string(),
  commandLine: z.string(),
  currentControl: PromptControlName.nullable(),
});
export type TrayPendingRequest = z.infer<typeof TrayPendingRequest>;

/** What the tray knows: the agent link, the last health check, prompts waiting, requests pending. */
export const TrayState = z.object({
  indicator: TrayIndicator,
  connection: z.enum(['connecting', 'connected', 'disconnected']),
  /** The last `agent.status` health check (every 30 s by default). */
  health: z.object({ ok: z.boolean(), checkedAt: z.iso.datetime().nullable(), problem: z.string().nullable() }),
  /** Prompts this user has to answer now (a window asks). */
  promptsWaiting: z.number().int().nonnegative(),
  /** This user's requests waiting for an approver. */
  approvalsPending: z.number().int().nonnegative(),
  /** Problems the agent reports about itself (a failed plugin, a bad policy file, backend offline). */
  agentProblems: z.number().int().nonnegative(),
  pending: z.array(TrayPendingRequest),
  /** Programs this desktop started that still run: the agent hangs them up when the suite quits. */
  running: z.number().int().nonnegative(),
  suiteVersion: z.string(),
  agentVersion: z.string().nullable(),
});
export type TrayState = z.infer<typeof TrayState>;

/** Translation key + values: main and the page translate the same item the same way. */
export const TrayLabel = z.object({ key: z.string(), values: z.record(z.string(), z.union([z.string(), z.number()])).optional() });
export type TrayLabel = z.infer<typeof TrayLabel>;

export const TrayMenuItem = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('header'), id: z.string(), label: TrayLabel }),
  z.object({ kind: z.literal('action'), id: z.string(), label: TrayLabel, enabled: z.boolean() }),
  z.object({ kind: z.literal('separator'), id: z.string() }),
]);
export type TrayMenuItem = z.infer<typeof TrayMenuItem>;

export const TrayView = z.object({ state: TrayState, menu: z.array(TrayMenuItem) });
export type TrayView = z.infer<typeof TrayView>;

/** Ids of the tray's actions; `pending:<requestId>` items follow the same path as `pending-requests`. */
export const TrayActionId = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[a-z-]+(:[A-Za-z0-9-]+)?$/);

/**
 * The tray: in Electron a native Tray + Menu, in the web shell the `keeper-client` page. Both render
 * the same menu, computed once in main from the tray state.
 */
export const TrayService = defineService('keeper.tray', {
  view$: stream(z.tuple([]), TrayView),
  /** Runs a menu item: main opens the window it stands for. */
  activate: call(z.tuple([TrayActionId]), z.object({ opened: z.string().nullable() })),
});
