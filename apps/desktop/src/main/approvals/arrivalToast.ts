import type { TFunction } from 'i18next';
import type { Approval } from '../../../../../shared/protocol/src/common/index.ts';
import type { Toast } from '../notifications/toaster.ts';
import { APPROVAL_TOAST_CATEGORY } from '../services/approverQueueMainService.ts';

/** A new request (or one escalated to this approver) as a toast: what, who, where and why. */
export function arrivalToast(approval: Approval, t: TFunction<'approver'>): Toast {
  const name = approval.application.path.split('/').pop() ?? approval.application.path;
  return {
    category: APPROVAL_TOAST_CATEGORY,
    title: approval.status === 'Escalated' ? t('toast.escalatedTitle', { name }) : t('toast.title', { name }),
    body: t('toast.body', {
      user: approval.requester.name ?? `uid ${approval.requester.uid}`,
      machine: approval.machine,
      justification: approval.justification,
    }),
    urgency: approval.status === 'Escalated' ? 'critical' : 'normal',
  };
}
