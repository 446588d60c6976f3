import { useTranslation } from 'react-i18next';
import { shownReason } from '../../i18n/src/reasonText.ts';
import type { ReasonDetail } from '../../protocol/src/common/methods/elevation.ts';
import { raw } from './raw.ts';

interface ReasonTextProps {
  /** The agent's English reason, shown as it is when no detail came with it (an older agent). */
  readonly reason: string;
  readonly detail: ReasonDetail | null | undefined;
  readonly className?: string;
  readonly testId?: string;
}

/** The agent's reason for a decision, in the window's language. */
export function ReasonText({ reason, detail, className, testId }: ReasonTextProps) {
  const { t } = useTranslation();
  const shown = shownReason(t, reason, detail);
  return (
    <span className={className} data-testid={testId} data-reason={detail?.code} {...raw(shown.raw)}>
      {shown.text}
    </span>
  );
}
