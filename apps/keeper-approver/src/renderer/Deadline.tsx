import { useTranslation } from 'react-i18next';
import type { Approval, ApprovalStatus } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import type { Tone } from '../../../../shared/ui/src/StatusBadge.tsx';
import { splitDuration } from '../../../../shared/ui/src/useNow.ts';
import { isOpen } from './queueFilter.ts';

export const STATUS_TONES: Readonly<Record<ApprovalStatus, Tone>> = { Pending: 'neutral', Escalated: 'warn', Approved: 'ok', Denied: 'bad', Expired: 'bad' };

/** Time left until an open request escalates or expires (h:mm:ss); who decided a closed one. */
export function Deadline({ approval, now, short = false }: { approval: Approval; now: number; short?: boolean }) {
  const { t } = useTranslation('approver');
  if (!isOpen(approval)) {
    const by = approval.decision?.by.name ?? (approval.decision ? `uid ${approval.decision.by.uid}` : null);
    return <span className="kp-muted" data-testid="decided-by">{by ? t('decidedBy', { name: by }) : t('noDecision')}</span>;
  }
  const left = splitDuration((new Date(approval.expiresAt).getTime() - now) / 1000);
  const time = `${left.hours}:${String(left.minutes).padStart(2, '0')}:${String(left.seconds).padStart(2, '0')}`;
  const key = approval.status === 'Pending' ? 'deadline.pending' : 'deadline.escalated';
  return <span className="kp-muted ka-deadline">{short ? time : t(key, { time })}</span>;
}
