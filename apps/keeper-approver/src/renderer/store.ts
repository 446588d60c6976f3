import { create } from 'zustand';
import type { ApproverQueueView, ApproverSettings, DecisionOutcome } from '../../../../shared/bridge/src/common/services/approverQueue.ts';
import { BRIDGE_CONNECTING, createBridgeActions, type BridgeSlice } from '../../../../shared/ui/src/bridgeSlice.ts';
import { NO_FILTERS, type QueueFilters } from './queueFilter.ts';

/** What the confirmation dialog is about to do (the exact requests, decision, grant window and reason). */
export interface PendingDecision {
  readonly approvalIds: readonly string[];
  readonly decision: 'approve' | 'deny';
  readonly usableMinutes: number;
  readonly reason: string;
}

export interface ApproverWindowState extends BridgeSlice {
  view: ApproverQueueView | null;
  settings: ApproverSettings | null;
  filters: QueueFilters;
  /** The request the detail pane shows (and the list's active row). */
  currentId: string | null;
  /** Requests ticked for a bulk decision. */
  selected: ReadonlySet<string>;
  confirming: PendingDecision | null;
  busy: boolean;
  /** What the last decision did, per request, for the live region. */
  outcomes: readonly DecisionOutcome[];
  help: boolean;
}

export const useApproverWindow = create<ApproverWindowState>()(() => ({
  ...BRIDGE_CONNECTING,
  view: null,
  settings: null,
  filters: NO_FILTERS,
  currentId: null,
  selected: new Set<string>(),
  confirming: null,
  busy: false,
  outcomes: [],
  help: false,
}));

const set = useApproverWindow.setState;

/** Module-level actions, so bridge plumbing and shortcuts never need React. */
export const approverActions = {
  ...createBridgeActions(set),
  queueChanged: (view: ApproverQueueView) => set({ view }),
  settingsChanged: (settings: ApproverSettings) => set({ settings }),
  setFilter: (change: Partial<QueueFilters>) => set((s) => ({ filters: { ...s.filters, ...change } })),
  show: (approvalId: string | null) => set({ currentId: approvalId }),
  toggleSelected: (approvalId: string) =>
    set((s) => {
      const selected = new Set(s.selected);
      if (!selected.delete(approvalId)) selected.add(approvalId);
      return { selected };
    }),
  selectOnly: (approvalIds: readonly string[]) => set({ selected: new Set(approvalIds) }),
  confirm: (decision: PendingDecision | null) => set({ confirming: decision }),
  decisionStarted: () => set({ busy: true }),
  decided: (outcomes: readonly DecisionOutcome[]) => set({ busy: false, confirming: null, outcomes, selected: new Set<string>() }),
  toggleHelp: (open?: boolean) => set((s) => ({ help: open ?? !s.help })),
};
