import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { PromptShow } from '../../../../shared/protocol/src/common/methods/prompt.ts';
import { StatusBadge } from '../../../../shared/ui/src/StatusBadge.tsx';
import { ThemeSelect } from '../../../../shared/ui/src/ThemeSelect.tsx';
import { WindowFrame } from '../../../../shared/ui/src/WindowFrame.tsx';
import type { WindowProps } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { splitDuration, useNow } from '../../../../shared/ui/src/useNow.ts';
import { promptClient } from './promptClient.ts';
import { justificationActions, useJustificationWindow } from './store.ts';

export function App({ theme }: WindowProps) {
  const { t } = useTranslation('justification');
  const { bridge, bridgeError, queue, answered } = useJustificationWindow();
  const prompt = queue.current && !answered.includes(queue.current.promptId) ? queue.current : null;

  return (
    <WindowFrame title={t('title')} subtitle={t('subtitle')} status={prompt ? <Countdown expiresAt={prompt.expiresAt} /> : null} footer={<ThemeSelect initial={theme} />}>
      {bridge === 'lost' || bridge === 'failed' ? (
        <div className="kp-notice" data-tone="bad" role="alert">
          <p>{bridge === 'lost' ? t('common:bridgeLost') : t('common:bridgeFailed', { reason: bridgeError })}</p>
        </div>
      ) : prompt ? (
        <JustificationForm key={prompt.promptId} prompt={prompt} waiting={queue.waiting} />
      ) : (
        <div className="kp-notice" data-tone="neutral" role="status" data-testid="nothing-pending">
          <p>{answered.length > 0 ? t('sent') : t('nothingPending')}</p>
        </div>
      )}
    </WindowFrame>
  );
}

function Countdown({ expiresAt }: { expiresAt: string }) {
  const { t } = useTranslation('justification');
  const now = useNow();
  const left = splitDuration((new Date(expiresAt).getTime() - now) / 1000);
  const seconds = left.hours * 3600 + left.minutes * 60 + left.seconds;
  const label = t('expiresIn', { minutes: left.hours * 60 + left.minutes, seconds: String(left.seconds).padStart(2, '0') });
  return <StatusBadge tone={seconds < 60 ? 'warn' : 'neutral'} label={label} testId="expires-in" />;
}

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function JustificationForm({ prompt, waiting }: { prompt: PromptShow; waiting: number }) {
  const { t } = useTranslation('justification');
  const limits = prompt.justification ?? { minLength: 1, maxLength: 2000, offline: false };
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fieldId = useId();
  const hintId = useId();
  const counterId = useId();
  const field = useRef<HTMLTextAreaElement>(null);
  const length = text.trim().length;
  const enough = length >= limits.minLength;

  useEffect(() => field.current?.focus(), []);

  const answer = async (response: Parameters<ReturnType<typeof promptClient>['respond']>[1]) => {
    setBusy(true);
    setProblem(null);
    try {
      const result = await promptClient().respond(prompt.promptId, response);
      if (result.accepted) justificationActions.answered(prompt.promptId);
      else setProblem(result.reason === 'too-short' ? t('tooShort', { count: limits.minLength }) : (result.problem ?? t('rejected')));
    } catch (error) {
      setProblem((error as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (enough && !busy) void answer({ kind: 'justification', text });
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') void answer({ kind: 'cancel' });
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) submit();
  };

  return (
    <form className="kp-stack" onSubmit={submit} onKeyDown={onKeyDown} aria-describedby={hintId}>
      <section className="kp-card" aria-labelledby="subject-heading">
        <h2 id="subject-heading">{t('subjectHeading', { name: basename(prompt.subject.executable) })}</h2>
        <dl className="kp-facts">
          <dt>{t('path')}</dt>
          <dd className="kp-mono" data-testid="subject-path">{prompt.subject.executable}</dd>
          <dt>{t('commandLine')}</dt>
          <dd className="kp-mono" data-testid="subject-command">{prompt.subject.commandLine}</dd>
          <dt>{t('sha256')}</dt>
          <dd className="kp-mono">{prompt.subject.sha256 ?? t('unknown')}</dd>
          <dt>{t('policy')}</dt>
          <dd>{prompt.subject.policyNames.join(', ') || t('unknown')}</dd>
        </dl>
      </section>
      {limits.offline ? (
        <div className="kp-notice" data-tone="neutral" data-testid="offline-note">
          <p>{t('offline')}</p>
        </div>
      ) : null}
      <div className="kp-field">
        <label htmlFor={fieldId}>{t('reasonLabel')}</label>
        <textarea
          id={fieldId}
          ref={field}
          className="kp-textarea"
          rows={4}
          value={text}
          maxLength={limits.maxLength}
          required
          aria-describedby={`${counterId} ${hintId}`}
          aria-invalid={problem !== null}
          onChange={(event) => setText(event.target.value)}
        />
        <p id={counterId} className="kp-hint" data-testid="counter">
          {enough ? t('counterOk', { count: length, max: limits.maxLength }) : t('counterMissing', { count: limits.minLength - length })}
        </p>
        {problem ? (
          <p role="alert" className="kp-error" data-testid="problem">
            {problem}
          </p>
        ) : null}
      </div>
      <p id={hintId} className="kp-hint">
        {t('keyboardHint')}
        {waiting > 0 ? ` ${t('waiting', { count: waiting })}` : ''}
      </p>
      <div className="kp-actions">
        <button type="button" className="kp-button kp-secondary" disabled={busy} onClick={() => void answer({ kind: 'cancel' })}>
          {t('cancel')}
        </button>
        <button type="submit" className="kp-button" disabled={!enough || busy}>
          {t('submit')}
        </button>
      </div>
    </form>
  );
}
