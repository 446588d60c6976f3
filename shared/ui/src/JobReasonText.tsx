import { useTranslation } from 'react-i18next';
import { shownJobReason } from '../../i18n/src/jobReasonText.ts';
import type { JobReasonDetail } from '../../protocol/src/common/methods/jobs.ts';
import { raw } from './raw.ts';

interface JobReasonTextProps {
  /** The agent's English reason, shown as it is when no detail came with it (an older agent). */
  readonly reason: string;
  readonly detail: JobReasonDetail | null | undefined;
  readonly className?: string;
  readonly testId?: string;
}

/** Why a job run or task was skipped or failed, in the window's language; outside text (a condition, an OS message) follows as written. */
export function JobReasonText({ reason, detail, className, testId }: JobReasonTextProps) {
  const { t } = useTranslation();
  const shown = shownJobReason(t, reason, detail);
  return (
    <span className={className} data-testid={testId} data-reason={detail?.code}>
      <span {...raw(shown.raw)}>{shown.text}</span>
      {shown.verbatim.map((text, index) => (
        <span key={index}>
          {' '}
          <code className="kp-mono" {...raw()}>
            {text}
          </code>
        </span>
      ))}
    </span>
  );
}
