import { useId, type ReactNode } from 'react';

interface TextFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  maxLength: number;
  testId: string;
  /** Codes and challenges: monospaced, so look-alike characters are told apart. */
  mono?: boolean;
  autoFocus?: boolean;
  autoCapitalize?: 'characters';
  /** Ids of text outside the field that describes it. */
  describedBy?: string;
  invalid?: boolean;
  /** A hint under the input, inside the field; the input is described by it. */
  hint?: ReactNode;
}

/**
 * A labelled single-line input for something read aloud or typed from another screen (names,
 * machines, codes): no autocomplete and no spell check, which would only get in the way of it.
 */
export function TextField({ label, value, onChange, maxLength, testId, mono, autoFocus, autoCapitalize, describedBy, invalid, hint }: TextFieldProps) {
  const id = useId();
  const hintId = useId();
  const describers = [hint ? hintId : null, describedBy].filter(Boolean).join(' ');
  return (
    <div className="kp-field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className={mono ? 'kp-input kp-mono' : 'kp-input'}
        type="text"
        autoComplete="off"
        autoCapitalize={autoCapitalize}
        spellCheck={false}
        maxLength={maxLength}
        autoFocus={autoFocus}
        value={value}
        aria-describedby={describers || undefined}
        aria-invalid={invalid}
        data-testid={testId}
        onChange={(event) => onChange(event.target.value)}
      />
      {hint ? (
        <p id={hintId} className="kp-hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
