import { memo, useId, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Approval, ApprovalStatus } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import type { DecisionOutcome } from '../../../../shared/bridge/src/common/services/approverQueue.ts';
import { BridgeNotice } from '../../../../shared/ui/src/BridgeNotice.tsx';
import { basename } from '../../../../shared/ui/src/SubjectCard.tsx';
import { ThemeSelect } from '../../../../shared/ui/src/ThemeSelect.tsx';
import { WindowFrame } from '../../../../shared/ui/src/WindowFrame.tsx';
import type { WindowProps } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { setToasts } from './decisions.ts';
import { STATUSES } from './FilterBar.tsx';
import { HelpOverlay } from './HelpOverlay.tsx';
import { OfflineResponseButton } from './OfflineResponseDialog.tsx';
import { countByStatus } from './queueFilter.ts';
import { QueuePane } from './QueuePane.tsx';
import { approverActions, useApproverWindow } from './store.ts';

export function App({ theme }: WindowProps) {
  const { t } = useTranslation('approver');
  // Only what the frame shows: the filters, the selection and the shown request are QueuePane's, so
  // a keystroke in the search field does not render the frame, the counts or the live region.
  const view = useApproverWindow((s) => s.view);
  const bridge = useApproverWindow((s) => s.bridge);
  const bridgeError = useApproverWindow((s) => s.bridgeError);
  const outcomes = useApproverWindow((s) => s.outcomes);
  const confirming = useApproverWindow((s) => s.confirming);
  const busy = useApproverWindow((s) => s.busy);
  const help = useApproverWindow((s) => s.help);
  const approvals = useMemo(() => view?.approvals ?? [], [view]);
  const counts = useMemo(() => countByStatus(approvals), [approvals]);
  // A non-approver gets only the reason: no counts, toasts or shortcuts for a queue they cannot have.
  const refused = view?.state === 'not-approver';

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
              <OfflineResponseButton />
              <button type="button" className="kp-button kp-secondary" onClick={() => approverActions.toggleHelp(true)}>
                {t('help.open')}
              </button>
            </>
          )}
        </>
      }
    >
      <div role="status" aria-live="polite" className="kp-live" data-testid="live">
        {bridge === 'lost' || bridge === 'failed' ? <BridgeNotice bridge={bridge} reason={bridgeError} /> : null}
        <QueueNotice />
        <Outcomes outcomes={outcomes} approvals={approvals} />
      </div>
      {refused ? null : <QueuePane approvals={approvals} selfUid={view?.self.uid ?? null} />}
      {confirming ? <ConfirmDialog pending={confirming} approvals={approvals} busy={busy} /> : null}
      {help ? <HelpOverlay /> : null}
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

/** The approver's own switch for a toast per new request (do-not-disturb silences them anyway). */
function ToastSetting() {
  const { t } = useTranslation('approver');
  const settings = useApproverWindow((s) => s.settings);
  const id = useId();
  return (
    <span className="ka-toggle">
      <input
        id={id}
        type="checkbox"
        checked={settings?.toasts ?? true}
        disabled={!settings}
        data-testid="toasts"
        onChange={(e) => void setToasts(e.target.checked)}
      />
      <label htmlFor={id}>{t('toasts')}</label>
    </span>
  );
}
