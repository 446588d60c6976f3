import type { TFunction } from 'i18next';
import type { ReasonDetail } from '../../protocol/src/common/methods/elevation.ts';

/** A decision's reason as shown: `raw` when it is the agent's English because no code came with it. */
export interface ShownReason {
  readonly text: string;
  readonly raw: boolean;
}

/**
 * The agent's reason in the reader's language (`common:reason.<code>`); rows written by an older
 * agent carry no code, and then its English text is shown as it is.
 */
export function shownReason(t: TFunction, reason: string, detail: ReasonDetail | null | undefined): ShownReason {
  if (!detail) return { text: reason, raw: true };
  // The datetime formatter needs a Date; the wire carries ISO text.
  const values = detail.code === 'elevated-session' ? { ...detail.values, until: new Date(detail.values.until) } : detail.values;
  return { text: t(`common:reason.${detail.code}`, values), raw: false };
}

/** What is shown for a problem main reported: the agent's coded reason when it gave one, else `[ns:]problem.<code>`. */
export function shownProblem(
  t: TFunction,
  problem: { code: string; values: Record<string, string | number>; reasonDetail?: ReasonDetail | undefined },
  namespace?: string,
): string {
  if (problem.reasonDetail) return shownReason(t, '', problem.reasonDetail).text;
  return t(`${namespace ? `${namespace}:` : ''}problem.${problem.code}`, problem.values);
}
