import { memo, useEffect, useId, useMemo, useRef, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { Approval, ApprovalStatus } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import type { DecisionOutcome } from '../../../../shared/bridge/src/common/services/approverQueue.ts';
import { BridgeNotice } from '../../../../shared/ui/src/BridgeNotice.tsx';
import { basename } from '../../../../shared/ui/src/SubjectCard.tsx';
import { ThemeSelect } from '../../../../shared/ui/src/ThemeSelect.tsx';
import { WindowFrame } from '../../../../shared/ui/src/WindowFrame.tsx';
import type { WindowProps } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { useNow } from '../../../../shared/ui/src/useNow.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { setToasts } from './decisions.ts';
import { HelpOverlay } from './HelpOverlay.tsx';
import { QueueList } from './QueueList.tsx';
import { countByStatus, distinct, filterQueue, indexQueue, isOpen, requesterName, type QueueFilters } from './queueFilter.ts';
import { RequestDetail } from './RequestDetail.tsx';
import { handleShortcut, startDecision } from './shortcuts.ts';
import { approverActions, useApproverWindow } from './store.ts';

const STATUSES: readonly ApprovalStatus[] = ['Pending', 'Escalated', 'Approved', 'Denied', 'Expired'];

export function App({ theme }: WindowProps) {
  const { t } = useTranslation('approver');
  const state = useApproverWindow();
  const { view, filters } = state;
  const now = useNow();
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const approvals = useMemo(() => view?.approvals ?? [], [view]);
  // Sorted and keyed once per change of the list or the order; a keystroke only filters.
  const index = useMemo(() => indexQueue(approvals, filters.sort), [approvals, filters.sort]);
  const rows = useMemo(() => filterQueue(index, filters), [index, filters]);
  const counts = useMemo(() => countByStatus(approvals), [approvals]);
  const current = approvals.find((a) => a.approvalId === state.currentId) ?? null;
  // A non-approver gets only the reason: no counts, toasts or shortcuts for a queue they cannot have.
  const refused = view?.state === 'not-approver';

  useEffect(() => {
    const onKey = (event: KeyboardEvent) =>
      handleShortcut(event, rows, () => searchRef.current?.focus(), () => listRef.current?.querySelector<HTMLElement>('[role=listbox]')?.focus());
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows]);

  return (
    <WindowFrame
      title={t('title')}
      subtitle={t('subtitle')}
      status={refused ? null : <Counts counts={counts} />}
      footer={
        <>
          <ThemeSelect initial={theme} />
          {refused ? null : (
            <>
              <ToastSetting />
              <button type="button" className="kp-button kp-secondary" onClick={() => approverActions.toggleHelp(true)}>
                {t('help.open')}
              </button>
            </>
          )}
        </>
      }
    >
      <div role="status" aria-live="polite" className="kp-live" data-testid="live">
        {state.bridge === 'lost' || state.bridge === 'failed' ? <BridgeNotice bridge={state.bridge} reason={state.bridgeError} /> : null}
        <QueueNotice />
        <Outcomes outcomes={state.outcomes} approvals={approvals} />
      </div>
      {refused ? null : (
        <>
          <Filters filters={filters} approvals={approvals} searchRef={searchRef} shown={rows.length} />
          <BulkBar rows={rows} selected={state.selected} />
          <div className="ka-split">
            <div ref={listRef} className="ka-list-pane">
              <QueueList rows={rows} currentId={state.currentId} selected={state.selected} now={now} />
            </div>
            <RequestDetail approval={current} now={now} selfUid={view?.self.uid ?? null} />
          </div>
        </>
      )}
      {state.confirming ? <ConfirmDialog pending={state.confirming} approvals={approvals} busy={state.busy} /> : null}
      {state.help ? <HelpOverlay /> : null}
    </WindowFrame>
  );
}

/** How many requests per status; re-rendered only when the list changes, not per keystroke. */
const Counts = memo(function Counts({ counts }: { counts: Record<ApprovalStatus, number> }) {
  const { t } = useTranslation('approver');
  return (
    <span className="ka-counts" data-testid="counts" aria-label={t('counts.label')}>
      {STATUSES.map((status) => (
        <span key={status} data-testid={`count-${status}`}>
          {t(`counts.${status}`, { count: counts[status] })}
        </span>
      ))}
    </span>
  );
});

/** Why there is nothing to decide: not an approver (and why), the agent away, or still loading. */
function QueueNotice() {
  const { t } = useTranslation('approver');
  const view = useApproverWindow((s) => s.view);
  if (!view || view.state === 'loading') return <p className="kp-muted">{t('state.loading')}</p>;
  if (view.state === 'ready') return null;
  return (
    <div className="kp-notice" data-tone="bad" data-testid="queue-notice">
      <p>{t(view.state === 'not-approver' ? 'state.notApprover' : 'state.unavailable')}</p>
      {view.problem ? <p className="kp-muted">{t('state.agentSaid', { problem: view.problem })}</p> : null}
    </div>
  );
}

/** What the last decision did: one line per request that did not go through, or one success line. */
function Outcomes({ outcomes, approvals }: { outcomes: readonly DecisionOutcome[]; approvals: readonly Approval[] }) {
  const { t } = useTranslation('approver');
  if (outcomes.length === 0) return null;
  const done = outcomes.filter((o) => o.ok);
  const failed = outcomes.filter((o): o is Extract<DecisionOutcome, { ok: false }> => !o.ok);
  const byId = new Map(approvals.map((a) => [a.approvalId, a]));
  return (
    <div className="kp-notice" data-tone={failed.length > 0 ? 'bad' : 'ok'} data-testid="outcome">
      {done.length > 0 ? <p>{t('outcome.done', { count: done.length })}</p> : null}
      {failed.map((o, index) => {
        const approval = o.approval ?? byId.get(o.approvalId) ?? null;
        const by = approval?.decision ? (approval.decision.by.name ?? `uid ${approval.decision.by.uid}`) : '';
        const name = approval ? basename(approval.application.path) : o.approvalId;
        return (
          <p key={index} data-testid="outcome-problem">
            {t(`outcome.${o.reason}`, { name, by, status: approval ? t(`status.${approval.status}`) : '' })}
          </p>
        );
      })}
    </div>
  );
}

function Filters({ filters, approvals, searchRef, shown }: { filters: QueueFilters; approvals: readonly Approval[]; searchRef: RefObject<HTMLInputElement | null>; shown: number }) {
  const { t } = useTranslation('approver');
  const ids = { status: useId(), text: useId(), requester: useId(), machine: useId(), application: useId(), sort: useId() };
  const requesters = useMemo(() => distinct(approvals, requesterName), [approvals]);
  const machines = useMemo(() => distinct(approvals, (a) => a.machine), [approvals]);
  const applications = useMemo(() => distinct(approvals, (a) => a.application.path), [approvals]);
  const select = (key: 'requester' | 'machine' | 'application', values: readonly string[]) => (
    <FilterSelect id={ids[key]} filter={key} value={filters[key]} values={values} label={t(`filters.${key}`)} any={t('filters.any')} />
  );
  return (
    <div role="search" className="ka-filters" aria-label={t('filters.label')}>
      <div className="ka-filter ka-filter-text">
        <label htmlFor={ids.text}>{t('filters.text')}</label>
        <input
          ref={searchRef}
          id={ids.text}
          type="search"
          className="kp-input"
          value={filters.text}
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
      <div className="ka-filter">
        <label htmlFor={ids.status}>{t('filters.status')}</label>
        <select id={ids.status} className="kp-select" value={filters.status} data-testid="filter-status" onChange={(e) => approverActions.setFilter({ status: e.target.value as QueueFilters['status'] })}>
          <option value="open">{t('filters.open')}</option>
          <option value="all">{t('filters.all')}</option>
          {STATUSES.map((status) => (
            <option key={status} value={status}>
              {t(`status.${status}`)}
            </option>
          ))}
        </select>
      </div>
      {select('requester', requesters)}
      {select('machine', machines)}
      {select('application', applications)}
      <div className="ka-filter">
        <label htmlFor={ids.sort}>{t('filters.sort')}</label>
        <select id={ids.sort} className="kp-select" value={filters.sort} onChange={(e) => approverActions.setFilter({ sort: e.target.value as QueueFilters['sort'] })}>
          <option value="urgency">{t('filters.urgency')}</option>
          <option value="newest">{t('filters.newest')}</option>
        </select>
      </div>
      <p className="kp-muted ka-shown" data-testid="shown">
        {t('filters.shown', { count: shown, total: approvals.length })}
      </p>
    </div>
  );
}

/**
 * One select filter; memoized because a controlled select walks all its options on every render,
 * and typing in the search field must not pay for that.
 */
const FilterSelect = memo(function FilterSelect({
  id,
  filter,
  value,
  values,
  label,
  any,
}: {
  id: string;
  filter: 'requester' | 'machine' | 'application';
  value: string;
  values: readonly string[];
  label: string;
  any: string;
}) {
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

/** The approver's own switch for a toast per new request (do-not-disturb silences them anyway). */
function ToastSetting() {
  const { t } = useTranslation('approver');
  const settings = useApproverWindow((s) => s.settings);
  const id = useId();
  return (
    <span className="ka-toggle">
      <input id={id} type="checkbox" checked={settings?.toasts ?? true} disabled={!settings} data-testid="toasts" onChange={(e) => void setToasts(e.target.checked)} />
      <label htmlFor={id}>{t('toasts')}</label>
    </span>
  );
}
