import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { Approval } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { basename } from '../../../../shared/ui/src/SubjectCard.tsx';
import { raw } from '../../../../shared/ui/src/raw.ts';
import { StatusBadge } from '../../../../shared/ui/src/StatusBadge.tsx';
import { APPROVAL_STATUS_TONES } from '../../../../shared/ui/src/approvalStatusTone.ts';
import { Deadline } from './Deadline.tsx';
import { requesterName } from './queueFilter.ts';
import { approverActions } from './store.ts';

const ROW_HEIGHT = 56;
const EMPTY_ID = 'queue-empty';
export const rowId = (approvalId: string) => `request-${approvalId}`;

/**
 * The queue as one listbox: only the rows in view exist in the DOM (10,000 requests stay fast), the
 * active row is announced through aria-activedescendant, and rows carry their position in the set.
 */
export function QueueList({
  rows,
  total,
  currentId,
  selected,
}: {
  rows: readonly Approval[];
  total: number;
  currentId: string | null;
  selected: ReadonlySet<string>;
}) {
  const { t } = useTranslation('approver');
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 2 });
  const currentIndex = currentId === null ? -1 : rows.findIndex((row) => row.approvalId === currentId);

  useEffect(() => {
    if (currentIndex >= 0) virtualizer.scrollToIndex(currentIndex, { align: 'auto' });
  }, [currentIndex, virtualizer]);

  // The empty message sits beside the listbox, not in it: a listbox may own options only.
  return (
    <>
      <div
        ref={scrollRef}
        className="ka-list"
        role="listbox"
        tabIndex={0}
        aria-label={t('list.label', { count: rows.length })}
        aria-describedby={rows.length === 0 ? EMPTY_ID : undefined}
        aria-multiselectable="true"
        aria-activedescendant={currentIndex >= 0 ? rowId(rows[currentIndex]!.approvalId) : undefined}
        data-testid="queue"
        onFocus={() => {
          if (currentIndex < 0 && rows[0]) approverActions.show(rows[0].approvalId);
        }}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item, slot) => {
            const approval = rows[item.index]!;
            return (
              // Keyed by the slot, not the request: when the filter changes, the same row elements take
              // the new requests' text instead of being removed and created again.
              <QueueRow
                key={slot}
                approval={approval}
                position={item.index + 1}
                setSize={rows.length}
                start={item.start}
                size={item.size}
                isSelected={selected.has(approval.approvalId)}
                isCurrent={approval.approvalId === currentId}
                t={t}
              />
            );
          })}
        </div>
      </div>
      {rows.length === 0 ? (
        <p id={EMPTY_ID} className="ka-empty" data-testid="queue-empty">
          {total === 0 ? t('list.none') : t('list.empty')}
        </p>
      ) : null}
    </>
  );
}

interface QueueRowProps {
  readonly approval: Approval;
  readonly position: number;
  readonly setSize: number;
  readonly start: number;
  readonly size: number;
  readonly isSelected: boolean;
  readonly isCurrent: boolean;
  /** The list's own: a hook per row would run on every row of every keystroke. */
  readonly t: TFunction<'approver'>;
}

/** One request in the list; memoized, so only rows whose request or state changed render again. */
const QueueRow = memo(function QueueRow({ approval, position, setSize, start, size, isSelected, isCurrent, t }: QueueRowProps) {
  return (
    <div
      id={rowId(approval.approvalId)}
      role="option"
      aria-selected={isSelected}
      aria-current={isCurrent ? 'true' : undefined}
      aria-setsize={setSize}
      aria-posinset={position}
      className="ka-row"
      data-testid="queue-row"
      data-status={approval.status}
      style={{ height: size, transform: `translateY(${start}px)` }}
      onClick={(event) => (event.ctrlKey || event.metaKey ? approverActions.toggleSelected(approval.approvalId) : approverActions.show(approval.approvalId))}
    >
      <span
        className="ka-check"
        aria-hidden="true"
        onClick={(event) => {
          event.stopPropagation();
          approverActions.toggleSelected(approval.approvalId);
        }}
      >
        {isSelected ? '☑' : '☐'}
      </span>
      <span className="ka-row-main">
        <span className="ka-row-head">
          <span className="ka-row-title" data-testid="row-title" {...raw()}>
            {basename(approval.application.path)}
          </span>
          {approval.quorum ? (
            <span className="kp-badge ka-row-quorum" data-tone="neutral" data-testid="row-quorum">
              {t('list.quorum', { approved: approval.quorum.approvals.length, required: approval.quorum.required })}
            </span>
          ) : null}
        </span>
        <span className="ka-row-sub kp-muted" {...raw()}>
          {requesterName(approval)} @ {approval.machine}
        </span>
      </span>
      <span className="ka-row-side">
        <StatusBadge tone={APPROVAL_STATUS_TONES[approval.status]} label={t(`status.${approval.status}`)} />
        <Deadline approval={approval} t={t} short />
      </span>
    </div>
  );
});
