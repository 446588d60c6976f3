import { useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApprovalStatus } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import type { PromptShow } from '../../../../shared/protocol/src/common/methods/prompt.ts';
import { AnswerFailure, PromptWindow, usePromptAnswer } from '../../../../shared/ui/src/PromptWindow.tsx';
import { basename, Fact, SubjectCard } from '../../../../shared/ui/src/SubjectCard.tsx';
import { StatusBadge, type Tone } from '../../../../shared/ui/src/StatusBadge.tsx';
import type { WindowProps } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { splitDuration, useNow } from '../../../../shared/ui/src/useNow.ts';
import { useApprovalPendingWindow } from './store.ts';

export function App({ theme }: WindowProps) {
  // The prompt's own expiry is only the agent's backstop; the approval's deadline is shown instead.
  return (
    <PromptWindow theme={theme} state={useApprovalPendingWindow()} namespace="approvalPending" countdown={() => false}>
      {(prompt) => <PendingNotice prompt={prompt} />}
    </PromptWindow>
  );
}

const TONES: Readonly<Record<ApprovalStatus, Tone>> = { Pending: 'neutral', Escalated: 'warn', Approved: 'ok', Denied: 'bad', Expired: 'bad' };

/**
 * The requester's view of an admin approval request: what was asked, with which justification, who
 * may decide it now, where it stands (live: the agent re-sends the prompt when it escalates, and closes
 * it once decided), and a way to take it back.
 */
function PendingNotice({ prompt }: { prompt: PromptShow }) {
  const { t } = useTranslation('approvalPending');
  const details = prompt.approval;
  const { busy, failure, answer } = usePromptAnswer(prompt.promptId);
  const statusRef = useRef<HTMLDivElement>(null);
  const hintId = useId();

  // Focus starts on the status, not on Withdraw: Enter alone never takes a request back.
  useEffect(() => statusRef.current?.focus(), []);

  if (!details) return <SubjectCard subject={prompt.subject} />;
  const names = (list: readonly string[]) => list.join(', ');
  const sentTo = [
    details.sentTo.groups.length > 0 ? t('groups', { names: names(details.sentTo.groups) }) : null,
    details.sentTo.users.length > 0 ? t('users', { names: names(details.sentTo.users) }) : null,
  ].filter((line): line is string => line !== null);

  return (
    <>
      <div ref={statusRef} tabIndex={-1} className="kp-notice" data-tone={details.status === 'Escalated' ? 'warn' : 'neutral'} data-testid="approval-status">
        <p role="status">
          <StatusBadge tone={TONES[details.status]} label={t(`status.${details.status}`)} testId="status-badge" />{' '}
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
        <Fact label={t('justification')} testId="justification">
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

/** Time left until the approval escalates or expires, as m:ss (not a live region: it changes every second). */
function Deadline({ expiresAt, nextStep }: { expiresAt: string; nextStep: 'escalate' | 'expire' }) {
  const { t } = useTranslation('approvalPending');
  const left = splitDuration((new Date(expiresAt).getTime() - useNow()) / 1000);
  const values = { minutes: left.hours * 60 + left.minutes, seconds: String(left.seconds).padStart(2, '0') };
  return <span data-testid="deadline">{nextStep === 'escalate' ? t('escalatesIn', values) : t('expiresIn', values)}</span>;
}
