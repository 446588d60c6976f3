import { useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { PromptShow } from '../../../../shared/protocol/src/common/methods/prompt.ts';
import { AnswerFailure, PromptWindow, usePromptAnswer } from '../../../../shared/ui/src/PromptWindow.tsx';
import { basename, Fact, SubjectCard } from '../../../../shared/ui/src/SubjectCard.tsx';
import { StatusBadge } from '../../../../shared/ui/src/StatusBadge.tsx';
import { APPROVAL_STATUS_TONES } from '../../../../shared/ui/src/approvalStatusTone.ts';
import type { WindowProps } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { minutesAndSeconds, useNow } from '../../../../shared/ui/src/useNow.ts';
import { OfflineNotice } from './OfflineNotice.tsx';
import { QuorumFact } from './QuorumFact.tsx';
import { useApprovalPendingWindow } from './store.ts';
import { useFocusOnMount } from '../../../../shared/ui/src/useFocusOnMount.ts';

export function App({ theme }: WindowProps) {
  const { t } = useTranslation('approvalPending');
  const titleOf = (prompt: PromptShow) => {
    if (prompt.offlineApproval) return t('offline.title');
    const approval = prompt.approval;
    return approval?.decision && approval.status !== 'Pending' && approval.status !== 'Escalated' ? t(`decidedTitle.${approval.status}`) : t('title');
  };
  // The prompt's own expiry is only the agent's backstop; the approval's deadline is shown instead.
  return (
    <PromptWindow theme={theme} state={useApprovalPendingWindow()} namespace="approvalPending" countdown={() => false} titleOf={titleOf}>
      {(prompt) => (prompt.offlineApproval ? <OfflineNotice prompt={prompt} /> : <PendingNotice prompt={prompt} />)}
    </PromptWindow>
  );
}

/**
 * The requester's view of an admin approval request: what was asked, with which justification, who
 * may decide it now, where it stands (live: the agent re-sends the prompt when it escalates, and once
 * it is decided), and a way to take it back.
 */
function PendingNotice({ prompt }: { prompt: PromptShow }) {
  const { t } = useTranslation('approvalPending');
  const details = prompt.approval;
  const { busy, failure, answer } = usePromptAnswer(prompt.promptId);
  const statusRef = useRef<HTMLDivElement>(null);
  const hintId = useId();

  // Focus starts on the status, not on Withdraw: Enter alone never takes a request back.
  useFocusOnMount(statusRef);

  if (!details) return <SubjectCard subject={prompt.subject} />;
  if (details.status !== 'Pending' && details.status !== 'Escalated') return <DecidedNotice prompt={prompt} />;
  const names = (list: readonly string[]) => list.join(', ');
  const sentTo = [
    details.sentTo.groups.length > 0 ? t('groups', { names: names(details.sentTo.groups) }) : null,
    details.sentTo.users.length > 0 ? t('users', { names: names(details.sentTo.users) }) : null,
  ].filter((line): line is string => line !== null);

  return (
    <>
      <div ref={statusRef} tabIndex={-1} className="kp-notice" data-tone={details.status === 'Escalated' ? 'warn' : 'neutral'} data-testid="approval-status">
        <p role="status">
          <StatusBadge tone={APPROVAL_STATUS_TONES[details.status]} label={t(`status.${details.status}`)} testId="status-badge" />{' '}
          <span data-testid="status-text">{details.status === 'Escalated' ? t('escalatedText') : t('pendingText')}</span>
        </p>
        <p>
          <Deadline expiresAt={details.expiresAt} nextStep={details.nextStep} />
        </p>
      </div>
      <SubjectCard subject={prompt.subject} heading={t('heading', { name: basename(prompt.subject.executable) })}>
        <Fact label={t('sentTo')} testId="sent-to">
          {sentTo.length > 0 ? sentTo.join(' · ') : t('administrators')}
        </Fact>
        <QuorumFact quorum={details.quorum} open />
        {/* The requester's own words: shown as typed, never translated. */}
        <Fact label={t('justification')} testId="justification" data>
          {details.justification}
        </Fact>
      </SubjectCard>
      <div className="kp-stack-tight">
        <p id={hintId} className="kp-hint">
          {t('withdrawHint')}
        </p>
        <AnswerFailure failure={failure} />
        <div className="kp-actions">
          <button type="button" className="kp-button kp-secondary" disabled={busy} aria-describedby={hintId} onClick={() => void answer({ kind: 'cancel' })}>
            {t('withdraw')}
          </button>
        </div>
      </div>
    </>
  );
}

/**
 * How the request ended: approved (by whom, usable until when; the command that asked runs it now),
 * denied with the approver's reason, or expired. Dismissing answers `cancel`, which only closes it.
 */
function DecidedNotice({ prompt }: { prompt: PromptShow }) {
  const { t, i18n } = useTranslation('approvalPending');
  const details = prompt.approval!;
  const decision = details.decision ?? null;
  const { busy, failure, answer } = usePromptAnswer(prompt.promptId);
  const statusRef = useRef<HTMLDivElement>(null);
  useFocusOnMount(statusRef);
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  const by = decision ? (decision.by.name ?? `uid ${decision.by.uid}`) : '';
  const status = details.status;
  const text = status === 'Approved' ? t('decided.approved', { name: by }) : status === 'Denied' ? t('decided.denied', { name: by }) : t('decided.expired');
  return (
    <>
      <div ref={statusRef} tabIndex={-1} className="kp-notice" data-tone={APPROVAL_STATUS_TONES[status] === 'ok' ? 'ok' : 'bad'} data-testid="approval-status">
        <p role="status">
          <StatusBadge tone={APPROVAL_STATUS_TONES[status]} label={t(`status.${status}`)} testId="status-badge" /> <span data-testid="status-text">{text}</span>
        </p>
        {status === 'Approved' ? <p data-testid="decided-next">{t('decided.runs')}</p> : null}
      </div>
      <SubjectCard subject={prompt.subject} heading={t('heading', { name: basename(prompt.subject.executable) })}>
        {decision ? (
          <Fact label={t('decided.at')} testId="decided-at">
            <time dateTime={decision.at}>{when.format(new Date(decision.at))}</time>
          </Fact>
        ) : null}
        {decision?.usableUntil ? (
          <Fact label={t('decided.usableUntil')} testId="usable-until">
            <time dateTime={decision.usableUntil}>{when.format(new Date(decision.usableUntil))}</time>
          </Fact>
        ) : null}
        {status === 'Denied' ? (
          // The approver's own words: shown as typed, never translated.
          <Fact label={t('decided.reason')} testId="decision-reason" data={Boolean(decision?.reason)}>
            {decision?.reason || t('decided.noReason')}
          </Fact>
        ) : null}
        <QuorumFact quorum={details.quorum} open={false} />
        <Fact label={t('justification')} testId="justification" data>
          {details.justification}
        </Fact>
      </SubjectCard>
      <AnswerFailure failure={failure} />
      <div className="kp-actions">
        <button type="button" className="kp-button" disabled={busy} data-testid="dismiss" onClick={() => void answer({ kind: 'cancel' })}>
          {t('decided.dismiss')}
        </button>
      </div>
    </>
  );
}

/** Time left until the approval escalates or expires, as m:ss (not a live region: it changes every second). */
function Deadline({ expiresAt, nextStep }: { expiresAt: string; nextStep: 'escalate' | 'expire' }) {
  const { t } = useTranslation('approvalPending');
  const { minutes, seconds } = minutesAndSeconds(expiresAt, useNow());
  const values = { minutes, seconds };
  return <span data-testid="deadline">{nextStep === 'escalate' ? t('escalatesIn', values) : t('expiresIn', values)}</span>;
}
