import { useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { Approval } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { basename } from '../../../../shared/ui/src/SubjectCard.tsx';
import { requesterName } from './queueFilter.ts';
import { sendConfirmedDecision } from './decisions.ts';
import { GRANT_WINDOWS } from './shortcuts.ts';
import { approverActions, type PendingDecision } from './store.ts';

/**
 * The one confirmation before a decision: it names every request, what the decision does and that it
 * cannot be undone. A denial needs a reason (the requester reads it); an approval may get a shorter
 * grant window than the 24 h default.
 */
export function ConfirmDialog({ pending, approvals, busy }: { pending: PendingDecision; approvals: readonly Approval[]; busy: boolean }) {
  const { t } = useTranslation('approver');
  const dialogRef = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const fieldId = useId();
  const byId = new Map(approvals.map((a) => [a.approvalId, a]));
  const targets = pending.approvalIds.map((id) => byId.get(id)).filter((a): a is Approval => a !== undefined);
  const approve = pending.decision === 'approve';
  const reasonMissing = !approve && pending.reason.trim().length === 0;
  const hours = pending.usableMinutes >= 60 ? pending.usableMinutes / 60 : null;
  const grant = hours !== null ? t('grant.hours', { count: hours }) : t('grant.minutes', { count: pending.usableMinutes });

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);

  return (
    <dialog ref={dialogRef} className="ka-dialog" aria-labelledby={titleId} data-testid="confirm" onCancel={() => approverActions.confirm(null)}>
      <form
        method="dialog"
        className="kp-stack"
        onSubmit={(event) => {
          event.preventDefault();
          if (!reasonMissing) void sendConfirmedDecision();
        }}
      >
        <h2 id={titleId}>{t(approve ? 'confirm.approveTitle' : 'confirm.denyTitle', { count: targets.length })}</h2>
        <ul className="ka-confirm-list" data-testid="confirm-list">
          {targets.map((a) => (
            <li key={a.approvalId}>
              <strong data-raw="">{basename(a.application.path)}</strong> —{' '}
              <span data-raw="">
                {requesterName(a)} @ {a.machine}
              </span>
              <div className="kp-mono kp-muted" data-raw="">
                {a.application.commandLine}
              </div>
            </li>
          ))}
        </ul>
        {approve ? (
          <div className="kp-field">
            <label htmlFor={fieldId}>{t('grant.label')}</label>
            <select
              id={fieldId}
              className="kp-select"
              value={pending.usableMinutes}
              onChange={(event) => approverActions.confirm({ ...pending, usableMinutes: Number(event.target.value) })}
            >
              {GRANT_WINDOWS.map((minutes) => (
                <option key={minutes} value={minutes}>
                  {minutes >= 60 ? t('grant.hours', { count: minutes / 60 }) : t('grant.minutes', { count: minutes })}
                  {minutes === GRANT_WINDOWS[0] ? ` ${t('grant.default')}` : ''}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <div className="kp-field">
            <label htmlFor={fieldId}>{t('confirm.reasonLabel')}</label>
            <textarea
              id={fieldId}
              className="kp-textarea"
              rows={3}
              maxLength={1000}
              value={pending.reason}
              // The reason is what a denial needs next, so typing starts there.
              autoFocus
              onChange={(event) => approverActions.confirm({ ...pending, reason: event.target.value })}
            />
          </div>
        )}
        <p className="kp-notice" data-tone="warn" data-testid="confirm-summary">
          {approve ? t('confirm.approveSummary', { count: targets.length, window: grant }) : t('confirm.denySummary', { count: targets.length })}{' '}
          {t('confirm.final')}
        </p>
        <div className="kp-actions">
          <button type="button" className="kp-button kp-secondary" disabled={busy} onClick={() => approverActions.confirm(null)}>
            {t('confirm.cancel')}
          </button>
          <button type="submit" className="kp-button" disabled={busy || reasonMissing || targets.length === 0} data-testid="confirm-button">
            {t(approve ? 'confirm.approve' : 'confirm.deny', { count: targets.length })}
          </button>
        </div>
      </form>
    </dialog>
  );
}
