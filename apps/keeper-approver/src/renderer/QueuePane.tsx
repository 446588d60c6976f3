import { useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Approval } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { FilterBar } from './FilterBar.tsx';
import { QueueList } from './QueueList.tsx';
import { filterQueue, indexQueue, isOpen } from './queueFilter.ts';
import { RequestDetail } from './RequestDetail.tsx';
import { handleShortcut, startDecision } from './shortcuts.ts';
import { approverActions, useApproverWindow } from './store.ts';

/**
 * The filters, the list and the detail pane: the only part of the window that reads the filters,
 * the selection and the shown request, so a keystroke in the search field renders this and not the
 * frame, the counts or the live region around it.
 */
export function QueuePane({ approvals, selfUid }: { approvals: readonly Approval[]; selfUid: number | null }) {
  const filters = useApproverWindow((s) => s.filters);
  const currentId = useApproverWindow((s) => s.currentId);
  const selected = useApproverWindow((s) => s.selected);
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  // Sorted and keyed once per change of the list or the order; a keystroke only filters.
  const index = useMemo(() => indexQueue(approvals, filters.sort), [approvals, filters.sort]);
  const rows = useMemo(() => filterQueue(index, filters), [index, filters]);
  const current = useMemo(() => approvals.find((a) => a.approvalId === currentId) ?? null, [approvals, currentId]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) =>
      handleShortcut(
        event,
        rows,
        () => searchRef.current?.focus(),
        () => listRef.current?.querySelector<HTMLElement>('[role=listbox]')?.focus(),
      );
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows]);

  return (
    <>
      <FilterBar approvals={approvals} searchRef={searchRef} shown={rows.length} />
      <BulkBar rows={rows} selected={selected} />
      <div className="ka-split">
        <div ref={listRef} className="ka-list-pane">
          <QueueList rows={rows} total={approvals.length} currentId={currentId} selected={selected} />
        </div>
        <RequestDetail approval={current} selfUid={selfUid} />
      </div>
    </>
  );
}

function BulkBar({ rows, selected }: { rows: readonly Approval[]; selected: ReadonlySet<string> }) {
  const { t } = useTranslation('approver');
  if (selected.size === 0) return null;
  const ids = rows.filter((a) => isOpen(a) && selected.has(a.approvalId)).map((a) => a.approvalId);
  return (
    <div className="ka-bulk" data-testid="bulk">
      <span>{t('bulk.selected', { count: ids.length })}</span>
      <button type="button" className="kp-button kp-secondary" onClick={() => approverActions.selectOnly([])}>
        {t('bulk.clear')}
      </button>
      <button type="button" className="kp-button kp-secondary" disabled={ids.length === 0} onClick={() => startDecision('deny', ids)}>
        {t('bulk.deny', { count: ids.length })}
      </button>
      <button type="button" className="kp-button" disabled={ids.length === 0} onClick={() => startDecision('approve', ids)}>
        {t('bulk.approve', { count: ids.length })}
      </button>
    </div>
  );
}
