export type Tone = 'ok' | 'warn' | 'bad' | 'neutral';

/** A state shown as text plus colour, never colour alone. */
export function StatusBadge({ tone, label, testId }: { tone: Tone; label: string; testId?: string }) {
  return (
    <span className="kp-badge" data-tone={tone} data-testid={testId}>
      {label}
    </span>
  );
}
