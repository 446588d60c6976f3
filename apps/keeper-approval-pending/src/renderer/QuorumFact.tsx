import { useTranslation } from 'react-i18next';
import type { ApprovalQuorum } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { Fact } from '../../../../shared/ui/src/SubjectCard.tsx';

/** A request that needs several approvers: how many approved (so far, while `open`), of how many, and who. */
export function QuorumFact({ quorum, open }: { quorum: ApprovalQuorum | undefined; open: boolean }) {
  const { t } = useTranslation('approvalPending');
  if (!quorum) return null;
  const names = quorum.approvals.map((v) => v.by.name ?? `uid ${v.by.uid}`).join(', ');
  return (
    <Fact label={t('quorum.label')} testId="quorum">
      <span data-testid="quorum-progress">{t('quorum.progress', { approved: quorum.approvals.length, required: quorum.required })}</span>
      {' · '}
      <span data-testid="quorum-approvers">
        {quorum.approvals.length > 0 ? t(open ? 'quorum.approvedBy' : 'quorum.decidedBy', { names }) : t('quorum.nobodyYet')}
      </span>
    </Fact>
  );
}
