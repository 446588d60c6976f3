import type { Approval } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { isOpen } from './queueFilter.ts';
import { approverActions, useApproverWindow } from './store.ts';

/** The 24 h default and the shorter grant windows an approver may choose, in minutes. */
export const GRANT_WINDOWS = [1440, 480, 240, 60, 15] as const;

/** Opens the confirmation for these requests (only the open ones can be decided). */
export function startDecision(decision: 'approve' | 'deny', approvalIds: readonly string[]): void {
  if (approvalIds.length === 0) return;
  approverActions.confirm({ approvalIds, decision, usableMinutes: GRANT_WINDOWS[0], reason: '' });
}

/** The keys of the help overlay, each with what it does (the overlay lists exactly these). */
export const SHORTCUTS = [
  { keys: ['↓', 'j'], action: 'next' },
  { keys: ['↑', 'k'], action: 'previous' },
  { keys: ['Space', 'x'], action: 'select' },
  { keys: ['Ctrl+A'], action: 'selectAll' },
  { keys: ['a'], action: 'approve' },
  { keys: ['d'], action: 'deny' },
  { keys: ['/'], action: 'search' },
  { keys: ['Esc'], action: 'clear' },
  { keys: ['?'], action: 'help' },
] as const;

const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/** The ids a decision applies to: the ticked requests, or the one shown. */
function decisionTargets(rows: readonly Approval[]): string[] {
  const { selected, currentId } = useApproverWindow.getState();
  const open = rows.filter(isOpen);
  if (selected.size > 0) return open.filter((a) => selected.has(a.approvalId)).map((a) => a.approvalId);
  return open.some((a) => a.approvalId === currentId) ? [currentId!] : [];
}

/** Window-wide shortcuts; keys typed into a field stay in the field, and a dialog keeps its own keys. */
export function handleShortcut(event: KeyboardEvent, rows: readonly Approval[], focusSearch: () => void, focusList: () => void): void {
  const state = useApproverWindow.getState();
  // A modal dialog open (the offline approval's) keeps every key, wherever the focus went.
  const inDialog = document.querySelector('dialog[open]') !== null;
  if (state.confirming || inDialog || event.altKey || typing(event.target)) return;
  const index = rows.findIndex((a) => a.approvalId === state.currentId);
  const move = (to: number) => {
    const row = rows[Math.max(0, Math.min(rows.length - 1, to))];
    if (row) approverActions.show(row.approvalId);
    focusList();
  };
  const key = event.key;
  let handled = true;
  if (event.ctrlKey || event.metaKey) {
    if (key.toLowerCase() === 'a') approverActions.selectOnly(rows.filter(isOpen).map((a) => a.approvalId));
    else handled = false;
  } else if (key === 'ArrowDown' || key === 'j') move(index + 1);
  else if (key === 'ArrowUp' || key === 'k') move(index - 1);
  else if (key === 'Home') move(0);
  else if (key === 'End') move(rows.length - 1);
  else if ((key === ' ' || key === 'x') && state.currentId) approverActions.toggleSelected(state.currentId);
  else if (key === 'a') startDecision('approve', decisionTargets(rows));
  else if (key === 'd') startDecision('deny', decisionTargets(rows));
  else if (key === '/') focusSearch();
  else if (key === '?') approverActions.toggleHelp();
  else if (key === 'Escape') {
    if (state.help) approverActions.toggleHelp(false);
    else approverActions.selectOnly([]);
  } else handled = false;
  if (handled) event.preventDefault();
}
