import { useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { PromptShow } from '../../../../shared/protocol/src/common/methods/prompt.ts';
import { AnswerFailure, usePromptAnswer } from '../../../../shared/ui/src/PromptWindow.tsx';
import { basename, Fact, SubjectCard } from '../../../../shared/ui/src/SubjectCard.tsx';
import { TextField } from '../../../../shared/ui/src/TextField.tsx';
import { minutesAndSeconds, useNow } from '../../../../shared/ui/src/useNow.ts';
import './offline.css';
import { useFocusOnMount } from '../../../../shared/ui/src/useFocusOnMount.ts';

/**
 * Offline approval (docs/fleet.md): the agent cannot reach the fleet, so the requester reads the
 * challenge to an approver, who reads back their name and a response to type in here. The agent
 * checks it; a wrong response uses up one of a few tries, and the last one ends the request.
 */
export function OfflineNotice({ prompt }: { prompt: PromptShow }) {
  const { t } = useTranslation('approvalPending');
  const offline = prompt.offlineApproval!;
  const { busy, failure, answer } = usePromptAnswer(prompt.promptId);
  const [approver, setApprover] = useState('');
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const statusRef = useRef<HTMLDivElement>(null);
  const ids = { codeHint: useId(), problem: useId(), challenge: useId() };
  const { minutes, seconds } = minutesAndSeconds(offline.expiresAt, useNow());

  // Focus starts on the challenge: it is what the requester reads out first.
  useFocusOnMount(statusRef);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!approver.trim() || !code.trim()) {
      setProblem(t('offline.missing'));
      return;
    }
    setProblem(null);
    const result = await answer({ kind: 'offlineApproval', approver: approver.trim(), code });
    if (result && !result.accepted) {
      setCode('');
      setProblem(result.reason === 'expired' ? t('offline.expired') : t('offline.wrong'));
    }
  };

  return (
    <>
      <div ref={statusRef} tabIndex={-1} className="kp-notice" data-tone="warn" data-testid="offline-status" aria-describedby={ids.challenge}>
        <p role="status">{t('offline.text')}</p>
        <p id={ids.challenge}>
          {t('offline.challengeLabel')}{' '}
          <strong className="kpo-challenge" data-testid="offline-challenge">
            {offline.challenge}
          </strong>
          <br />
          {t('offline.machine')} <strong data-testid="offline-machine">{offline.machine}</strong>
          {' · '}
          <span data-testid="offline-deadline">{t('offline.validFor', { minutes, seconds })}</span>
        </p>
      </div>
      <SubjectCard subject={prompt.subject} heading={t('heading', { name: basename(prompt.subject.executable) })}>
        <Fact label={t('justification')} testId="justification" data>
          {offline.justification}
        </Fact>
      </SubjectCard>
      <form className="kp-stack-tight" onSubmit={(event) => void submit(event)} noValidate>
        <div className="kpo-fields">
          <TextField label={t('offline.approverLabel')} value={approver} onChange={setApprover} maxLength={64} testId="offline-approver" />
          <TextField
            label={t('offline.responseLabel')}
            value={code}
            onChange={setCode}
            maxLength={40}
            testId="offline-response"
            mono
            autoCapitalize="characters"
            describedBy={problem ? `${ids.codeHint} ${ids.problem}` : ids.codeHint}
            invalid={problem !== null}
          />
        </div>
        <p id={ids.codeHint} className="kp-hint">
          {t('offline.responseHint', { count: offline.attemptsLeft })}
        </p>
        {problem ? (
          <p id={ids.problem} role="alert" className="kp-error" data-testid="offline-problem">
            {problem}
          </p>
        ) : null}
        <AnswerFailure failure={failure} />
        <div className="kp-actions">
          <button type="button" className="kp-button kp-secondary" disabled={busy} onClick={() => void answer({ kind: 'cancel' })}>
            {t('offline.cancel')}
          </button>
          <button type="submit" className="kp-button" disabled={busy} data-testid="offline-submit">
            {t('offline.submit')}
          </button>
        </div>
      </form>
    </>
  );
}
