import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { PromptShow } from '../../../../shared/protocol/src/common/methods/prompt.ts';
import { AnswerFailure, PromptWindow, useEscapeKey, usePromptAnswer } from '../../../../shared/ui/src/PromptWindow.tsx';
import { SubjectCard } from '../../../../shared/ui/src/SubjectCard.tsx';
import type { WindowProps } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { useJustificationWindow } from './store.ts';
import { useFocusOnMount } from '../../../../shared/ui/src/useFocusOnMount.ts';

export function App({ theme }: WindowProps) {
  return (
    <PromptWindow theme={theme} state={useJustificationWindow()} namespace="justification">
      {(prompt) => <JustificationForm prompt={prompt} />}
    </PromptWindow>
  );
}

function JustificationForm({ prompt }: { prompt: PromptShow }) {
  const { t } = useTranslation('justification');
  const limits = prompt.justification ?? { minLength: 1, maxLength: 2000, offline: false };
  const { busy, failure, answer } = usePromptAnswer(prompt.promptId);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const fieldId = useId();
  const hintId = useId();
  const counterId = useId();
  const field = useRef<HTMLTextAreaElement>(null);
  const length = text.trim().length;
  const enough = length >= limits.minLength;

  useFocusOnMount(field);
  useEscapeKey(() => void answer({ kind: 'cancel' }));

  // The agent checks the same bounds; its refusal is worded here from its code.
  const refusal = (result: { reason?: string | undefined; problem?: string | undefined }) => {
    if (result.reason === 'too-short') return t('tooShort', { count: limits.minLength });
    if (result.reason === 'too-long') return t('tooLong', { count: limits.maxLength });
    return result.problem ?? t('rejected');
  };
  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (!enough || busy) return;
    setProblem(null);
    const result = await answer({ kind: 'justification', text });
    if (result && !result.accepted) setProblem(refusal(result));
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) void submit();
  };
  const shown = problem ?? failure;

  return (
    <form className="kp-stack" onSubmit={(event) => void submit(event)} onKeyDown={onKeyDown} aria-describedby={hintId}>
      <SubjectCard subject={prompt.subject} />
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
          aria-invalid={shown !== null}
          onChange={(event) => setText(event.target.value)}
        />
        <p id={counterId} className="kp-hint" data-testid="counter">
          {enough ? t('counterOk', { count: length, max: limits.maxLength }) : t('counterMissing', { count: limits.minLength - length })}
        </p>
        {problem ? (
          <p role="alert" className="kp-error" data-testid="problem">
            {problem}
          </p>
        ) : (
          <AnswerFailure failure={failure} />
        )}
      </div>
      <p id={hintId} className="kp-hint">
        {t('keyboardHint')}
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
