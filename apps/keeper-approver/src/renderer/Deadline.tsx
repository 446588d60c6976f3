import type { TFunction } from 'i18next';
import type { Approval } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { splitDuration, useNow } from '../../../../shared/ui/src/useNow.ts';
import { isOpen } from './queueFilter.ts';

/**
 * Time left until an open request escalates or expires (h:mm:ss); who decided a closed one. Takes
 * its parent's `t`: a list renders one per row on every keystroke, and each useTranslation costs.
 */
export function Deadline({ approval, t, short = false }: { approval: Approval; t: TFunction<'approver'>; short?: boolean }) {
  if (!isOpen(approval)) {
    const by = approval.decision?.by.name ?? (approval.decision ? `uid ${approval.decision.by.uid}` : null);
    return (
      <span className="kp-muted" data-testid="decided-by">
        {by ? t('decidedBy', { name: by }) : t('noDecision')}
      </span>
    );
  }
  return <LiveDeadline approval={approval} t={t} short={short} />;
}

/** The ticking part alone: the shared clock re-renders these spans each second, not the row or pane around them. */
function LiveDeadline({ approval, t, short }: { approval: Approval; t: TFunction<'approver'>; short: boolean }) {
  const now = useNow();
  const left = splitDuration((new Date(approval.expiresAt).getTime() - now) / 1000);
  const time = `${left.hours}:${String(left.minutes).padStart(2, '0')}:${String(left.seconds).padStart(2, '0')}`;
  const key = approval.status === 'Pending' ? 'deadline.pending' : 'deadline.escalated';
  return <span className="kp-muted ka-deadline">{short ? time : t(key, { time })}</span>;
}
