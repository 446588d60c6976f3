import i18next, { type TFunction } from 'i18next';
import type { Approval } from '../../../../../shared/protocol/src/common/index.ts';
import { RESOURCES, SUPPORTED_LANGUAGES } from '../../../../../shared/i18n/src/resources.ts';
import type { Toast } from '../notifications/toaster.ts';
import { APPROVAL_TOAST_CATEGORY } from '../services/approverQueueMainService.ts';

/** The approver's toast texts, from the window's own 'approver' namespace, in the desktop's language. */
export function approvalToastText(locale: string): TFunction<'approver'> {
  const primary = locale.toLowerCase().split('-')[0];
  const language = SUPPORTED_LANGUAGES.find((lng) => lng === primary) ?? 'en';
  const instance = i18next.createInstance();
  void instance.init({ lng: language, fallbackLng: 'en', resources: RESOURCES, ns: ['approver'], defaultNS: 'approver', interpolation: { escapeValue: false }, initAsync: false });
  return instance.getFixedT(language, 'approver');
}

/** A new request (or one escalated to this approver) as a toast: what, who, where and why. */
export function arrivalToast(approval: Approval, t: TFunction<'approver'>): Toast {
  const name = approval.application.path.split('/').pop() ?? approval.application.path;
  return {
    category: APPROVAL_TOAST_CATEGORY,
    title: approval.status === 'Escalated' ? t('toast.escalatedTitle', { name }) : t('toast.title', { name }),
    body: t('toast.body', { user: approval.requester.name ?? `uid ${approval.requester.uid}`, machine: approval.machine, justification: approval.justification }),
    urgency: approval.status === 'Escalated' ? 'critical' : 'normal',
  };
}
