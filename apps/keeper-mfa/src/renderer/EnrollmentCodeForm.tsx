import { useLayoutEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';

export interface EnrollmentCodeFormProps {
  /** Why the last code was refused, already in words; null before the first attempt. */
  readonly problem: string | null;
  readonly onCode: (code: string) => void;
  readonly onCancel: () => void;
  readonly busy: boolean;
}

/**
 * Asks for the one-time enrollment code an administrator issued: a first MFA setup needs it, so
 * answering the prompt alone never enrolls anyone. Enter sends, Escape (the window's) cancels.
 */
export function EnrollmentCodeForm({ problem, onCode, onCancel, busy }: EnrollmentCodeFormProps) {
  const { t } = useTranslation('mfa');
  const [code, setCode] = useState('');
  const field = useRef<HTMLInputElement>(null);
  const fieldId = useId();
  const hintId = useId();
  const problemId = useId();

  // Focus on arrival and after every refused code.
  useLayoutEffect(() => field.current?.focus(), [problem]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (code.trim().length > 0 && !busy) onCode(code.trim());
  };

  return (
    <form className="kp-stack" onSubmit={submit} noValidate>
      <div className="kp-field">
        <label htmlFor={fieldId}>{t('enroll.enrollmentCodeLabel')}</label>
        <input
          id={fieldId}
          ref={field}
          className="kp-input"
          type="text"
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          maxLength={64}
          required
          value={code}
          aria-describedby={problem ? `${problemId} ${hintId}` : hintId}
          aria-invalid={problem !== null}
          data-testid="enrollment-code"
          onChange={(event) => setCode(event.target.value)}
        />
        <p id={hintId} className="kp-hint">
          {t('enroll.enrollmentCodeHint')}
        </p>
        {problem ? (
          <p id={problemId} role="alert" className="kp-error" data-testid="enrollment-code-problem">
            {problem}
          </p>
        ) : null}
      </div>
      <div className="kp-actions">
        <button type="button" className="kp-button kp-secondary" disabled={busy} onClick={onCancel}>
          {t('cancel')}
        </button>
        <button type="submit" className="kp-button" disabled={code.trim().length === 0 || busy}>
          {t('enroll.continue')}
        </button>
      </div>
    </form>
  );
}
