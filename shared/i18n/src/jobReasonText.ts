import type { TFunction } from 'i18next';
import type { JobReasonDetail } from '../../protocol/src/common/methods/jobs.ts';
import { shownReason } from './reasonText.ts';

/**
 * Values that are someone else's text (a condition's source, an OS or desktop message): never put
 * inside a translated sentence, but shown after it, as written.
 */
export const VERBATIM_JOB_VALUES = ['condition', 'error', 'detail'] as const;

/** Values that are reasons themselves, worded first and then put into the sentence. */
export const NESTED_JOB_VALUES = ['cause', 'reason'] as const;

/** A job run's or task's reason as shown: `raw` when it is the agent's English because no code came with it. */
export interface ShownJobReason {
  readonly text: string;
  readonly raw: boolean;
  /** Outside text that goes with the sentence, to show apart and verbatim. */
  readonly verbatim: readonly string[];
}

/** A job run's or task's reason in the reader's language (`common:jobReason.<code>`), else the agent's English. */
export function shownJobReason(t: TFunction, reason: string, detail: JobReasonDetail | null | undefined): ShownJobReason {
  if (!detail) return { text: reason, raw: true, verbatim: [] };
  if (detail.code === 'task-failed') {
    const cause = shownJobReason(t, '', detail.values.cause);
    return { text: t('common:jobReason.task-failed', { task: detail.values.task, cause: cause.text }), raw: false, verbatim: cause.verbatim };
  }
  if (detail.code === 'decision') {
    return { text: t('common:jobReason.decision', { reason: shownReason(t, '', detail.values.reason).text }), raw: false, verbatim: [] };
  }
  const values: Record<string, unknown> = detail.values;
  const verbatim = VERBATIM_JOB_VALUES.flatMap((key) => (typeof values[key] === 'string' ? [values[key]] : []));
  return { text: t(`common:jobReason.${detail.code}`, values), raw: false, verbatim };
}
