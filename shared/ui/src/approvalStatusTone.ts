import type { ApprovalStatus } from '../../protocol/src/common/methods/approvals.ts';
import type { Tone } from './StatusBadge.tsx';

/** How an approval's status is coloured in a StatusBadge: one meaning in every window that shows one. */
export const APPROVAL_STATUS_TONES: Readonly<Record<ApprovalStatus, Tone>> = {
  Pending: 'neutral',
  Escalated: 'warn',
  Approved: 'ok',
  Denied: 'bad',
  Expired: 'bad',
};
