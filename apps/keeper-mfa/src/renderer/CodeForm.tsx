import { useLayoutEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNow } from '../../../../shared/ui/src/useNow.ts';

export const CODE_LENGTH = 6;

/** Digits only, at most six: a pasted "123 456" or "123-456" becomes "123456". */
export function normalizeCode(value: string): string {
  return value.replace(/\D/g, '').slice(0, CODE_LENGTH);
}

/** Why a code was refused, in words for the user; `lockedUntil` keeps the field shut until then. */
export interface Refusal {
  readonly problem: string;
  readonly lockedUntil?: string;
}

export interface CodeFormProps {
  readonly label: string;
  /** What to enter; the keyboard hint follows it. */
  readonly hint: string;
  readonly submitLabel: string;
  /** Checks a complete code; a refusal clears the field and asks again (as a polkit dialog does). */
  readonly onCode: (code: string) => Promise<Refusal | null>;
  /** Cancels the request. */
  readonly onCancel: () => void;
  /** Another answer (the cancel) is on its way. */
  readonly busy: boolean;
}

/** One six-digit field that sends itself once complete, with the refusal of the last attempt. */
export function CodeForm({ label, hint, submitLabel, onCode, onCancel, busy }: CodeFormProps) {
  const { t } = useTranslation('mfa');
  const [code, setCode] = useState('');
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [sending, setSending] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const field = useRef<HTMLInputElement>(null);
  const fieldId = useId();
  const hintId = useId();
  const problemId = useId();
  const now = useNow();
  const locked = refusal?.lockedUntil !== undefined && new Date(refusal.lockedUntil).getTime() > now;

  // Focus on arrival (in the commit that shows the field, so early keys land in it), after every
  // refused attempt, and when a lockout ends.
  useLayoutEffect(() => {
    if (!locked) field.current?.focus();
  }, [attempt, locked]);

  const send = async (value: string) => {
    if (value.length !== CODE_LENGTH || sending || busy || locked) return;
    setSending(true);
    const refused = await onCode(value);
    setSending(false);
    if (!refused) return;
    setRefusal(refused);
    setCode('');
    setAttempt((n) => n + 1);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send(code);
  };

  return (
    <form className="kp-stack" onSubmit={submit} noValidate>
      <div className="kp-field">
        <label htmlFor={fieldId}>{label}</label>
        {/* The hints sit beside the six-digit field, not under it: the window is not resizable. */}
        <div className="kp-code-row">
          <input
            id={fieldId}
            ref={field}
            className="kp-input kp-code"
            type="text"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            spellCheck={false}
            required
            value={code}
            readOnly={sending}
            disabled={locked}
            aria-describedby={refusal ? `${problemId} ${hintId}` : hintId}
            aria-invalid={refusal !== null}
            data-testid="code"
            onChange={(event) => {
              const next = normalizeCode(event.target.value);
              setCode(next);
              if (next.length === CODE_LENGTH) void send(next);
            }}
          />
          <div id={hintId}>
            <p className="kp-hint">{hint}</p>
            <p className="kp-hint">{t('keyboardHint')}</p>
          </div>
        </div>
        {refusal ? (
          <p key={attempt} id={problemId} role="alert" className="kp-error" data-testid="problem">
            {refusal.problem}
          </p>
        ) : null}
      </div>
      <div className="kp-actions">
        <button type="button" className="kp-button kp-secondary" disabled={busy} onClick={onCancel}>
          {t('cancel')}
        </button>
        <button type="submit" className="kp-button" disabled={code.length !== CODE_LENGTH || sending || busy || locked}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
