import type { TFunction } from 'i18next';
import type { QuickElevateProgress } from '../../../../../shared/bridge/src/common/services/quickElevate.ts';
import { shownProblem, shownReason } from '../../../../../shared/i18n/src/reasonText.ts';
import type { Toast } from '../notifications/toaster.ts';

export const QUICK_ELEVATE_TOAST_CATEGORY = 'quick-elevate-result';

/**
 * The toast that tells the result of a quick-elevate request: denied (with the agent's reason),
 * started (a program still running, e.g. a GUI application), finished (exit code), or failed.
 */
export function resultToast(entry: QuickElevateProgress, t: TFunction): Toast | null {
  // Denied: the agent's reason; failed: the problem; both worded as the window words them.
  const reason = entry.problem ? shownProblem(t, entry.problem, 'quickElevate') : shownReason(t, entry.reason, entry.reasonDetail).text;
  const values = { command: entry.commandLine, reason, pid: entry.pid ?? 0, code: entry.exitCode ?? 0, signal: entry.signal ?? '' };
  const toast = (key: string, urgency: Toast['urgency']): Toast => ({
    category: QUICK_ELEVATE_TOAST_CATEGORY,
    title: t(`quickElevate:toast.${key}.title`, values),
    body: t(`quickElevate:toast.${key}.body`, values),
    urgency,
  });
  switch (entry.phase) {
    case 'denied':
      return toast('denied', 'normal');
    case 'failed':
      return toast('failed', 'normal');
    case 'running':
      return toast('started', 'low');
    case 'exited':
      if (entry.signal) return toast('killed', 'normal');
      return toast(entry.exitCode === 0 ? 'succeeded' : 'exitedWithError', entry.exitCode === 0 ? 'low' : 'normal');
    default:
      return null;
  }
}
