import { memo, useId, useMemo, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { Approval, ApprovalStatus } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { basename } from '../../../../shared/ui/src/SubjectCard.tsx';
import { distinct, requesterName, type QueueFilters } from './queueFilter.ts';
import { approverActions, useApproverWindow } from './store.ts';

export const STATUSES: readonly ApprovalStatus[] = ['Pending', 'Escalated', 'Approved', 'Denied', 'Expired'];

/**
 * The filter bar. Each field reads only its own filter from the store, so a keystroke in the search
 * field renders the field and the "shown" line, not the selects (a controlled select walks all its
 * options on every render).
 */
export function FilterBar({ approvals, searchRef, shown }: { approvals: readonly Approval[]; searchRef: RefObject<HTMLInputElement | null>; shown: number }) {
  const { t } = useTranslation('approver');
  return (
    <div role="search" className="ka-filters" aria-label={t('filters.label')}>
      <SearchField searchRef={searchRef} />
      <SelectFilters approvals={approvals} />
      <p className="kp-muted ka-shown" data-testid="shown">
        {t('filters.shown', { count: shown, total: approvals.length })}
      </p>
    </div>
  );
}

const SearchField = memo(function SearchField({ searchRef }: { searchRef: RefObject<HTMLInputElement | null> }) {
  const { t } = useTranslation('approver');
  const id = useId();
  const text = useApproverWindow((s) => s.filters.text);
  return (
    <div className="ka-filter ka-filter-text">
      <label htmlFor={id}>{t('filters.text')}</label>
      <input
        ref={searchRef}
        id={id}
        type="search"
        className="kp-input"
        value={text}
        placeholder={t('filters.textPlaceholder')}
        data-testid="filter-text"
        onChange={(e) => approverActions.setFilter({ text: e.target.value })}
        onKeyDown={(e) => {
          if (e.key === 'Escape' || e.key === 'Enter') {
            e.preventDefault();
            (e.currentTarget.closest('main')?.querySelector('[role=listbox]') as HTMLElement | null)?.focus();
          }
        }}
      />
    </div>
  );
});

/** Status, requester, machine, application and order; rendered again only when the list or one of these changes. */
const SelectFilters = memo(function SelectFilters({ approvals }: { approvals: readonly Approval[] }) {
  const { t } = useTranslation('approver');
  const ids = { status: useId(), requester: useId(), machine: useId(), application: useId(), sort: useId() };
  const status = useApproverWindow((s) => s.filters.status);
  const sort = useApproverWindow((s) => s.filters.sort);
  const requesters = useMemo(() => distinct(approvals, requesterName), [approvals]);
  const machines = useMemo(() => distinct(approvals, (a) => a.machine), [approvals]);
  const applications = useMemo(() => distinct(approvals, (a) => a.application.path), [approvals]);
  const select = (key: 'requester' | 'machine' | 'application', values: readonly string[]) => (
    <FilterSelect id={ids[key]} filter={key} values={values} label={t(`filters.${key}`)} any={t('filters.any')} />
  );
  return (
    <>
      <div className="ka-filter">
        <label htmlFor={ids.status}>{t('filters.status')}</label>
        <select
          id={ids.status}
          className="kp-select"
          value={status}
          data-testid="filter-status"
          onChange={(e) => approverActions.setFilter({ status: e.target.value as QueueFilters['status'] })}
        >
          <option value="open">{t('filters.open')}</option>
          <option value="all">{t('filters.all')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      </div>
      {select('requester', requesters)}
      {select('machine', machines)}
      {select('application', applications)}
      <div className="ka-filter">
        <label htmlFor={ids.sort}>{t('filters.sort')}</label>
        <select id={ids.sort} className="kp-select" value={sort} onChange={(e) => approverActions.setFilter({ sort: e.target.value as QueueFilters['sort'] })}>
          <option value="urgency">{t('filters.urgency')}</option>
          <option value="newest">{t('filters.newest')}</option>
        </select>
      </div>
    </>
  );
});

/** One select filter, reading only its own value from the store. */
const FilterSelect = memo(function FilterSelect({
  id,
  filter,
  values,
  label,
  any,
}: {
  id: string;
  filter: 'requester' | 'machine' | 'application';
  values: readonly string[];
  label: string;
  any: string;
}) {
  const value = useApproverWindow((s) => s.filters[filter]);
  return (
    <div className="ka-filter">
      <label htmlFor={id}>{label}</label>
      <select id={id} className="kp-select" value={value} onChange={(e) => approverActions.setFilter({ [filter]: e.target.value })}>
        <option value="">{any}</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {filter === 'application' ? basename(v) : v}
          </option>
        ))}
      </select>
    </div>
  );
});
