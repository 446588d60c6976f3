import { useTranslation } from 'react-i18next';
import type { Approval } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { Fact } from '../../../../shared/ui/src/SubjectCard.tsx';

/**
 * A request that needs several approvers: how many approved so far, of how many, who, and whether
 * the approver looking at it is one of them (their second approval would count for nothing).
 */
export function QuorumFact({ approval, selfUid }: { approval: Approval; selfUid: number | null }) {
  const { t } = useTranslation('approver');
  const quorum = approval.quorum;
  if (!quorum) return null;
  const names = quorum.approvals.map((v) => v.by.name ?? `uid ${v.by.uid}`).join(', ');
  const mine = selfUid !== null && quorum.approvals.some((v) => v.by.uid === selfUid);
  return (
    <Fact label={t('detail.quorum')} testId="detail-quorum">
      <span data-testid="quorum-progress">{t('detail.quorumProgress', { approved: quorum.approvals.length, required: quorum.required })}</span>
      {' · '}
      <span data-testid="quorum-approvers">{quorum.approvals.length > 0 ? t('detail.quorumApprovedBy', { names }) : t('detail.quorumNobodyYet')}</span>
      {mine ? (
        <span className="kp-hint" data-testid="quorum-yours">
          {' '}
          {t('detail.quorumYours')}
        </span>
      ) : null}
    </Fact>
  );
}
