import { memo, useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { Approval } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { basename, Fact } from '../../../../shared/ui/src/SubjectCard.tsx';
import { StatusBadge } from '../../../../shared/ui/src/StatusBadge.tsx';
import { APPROVAL_STATUS_TONES } from '../../../../shared/ui/src/approvalStatusTone.ts';
import { AgenticFact } from './AgenticFact.tsx';
import { Deadline } from './Deadline.tsx';
import { QuorumFact } from './QuorumFact.tsx';
import { isOpen, requesterName } from './queueFilter.ts';
import { startDecision } from './shortcuts.ts';

/** Everything an approver needs to decide one request, and the two ways to decide it (memoized: typing a filter leaves it alone). */
export const RequestDetail = memo(function RequestDetail({ approval, selfUid }: { approval: Approval | null; selfUid: number | null }) {
  const { t, i18n } = useTranslation('approver');
  const headingId = useId();
  if (!approval) {
    return (
      <section className="kp-card ka-detail" aria-label={t('detail.none')}>
        <p className="kp-muted">{t('detail.none')}</p>
      </section>
    );
  }
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'medium' });
  const history = approval.requesterHistory;
  const own = approval.requester.uid === selfUid;
  return (
    <section className="kp-card ka-detail" aria-labelledby={headingId} data-testid="detail">
      <h2 id={headingId}>
        {t('detail.heading', { name: basename(approval.application.path) })}{' '}
        <StatusBadge tone={APPROVAL_STATUS_TONES[approval.status]} label={t(`status.${approval.status}`)} testId="detail-status" />
      </h2>
      <dl className="kp-facts">
        <Fact label={t('detail.requester')} data testId="detail-requester">
          {requesterName(approval)} (uid {approval.requester.uid})
        </Fact>
        <Fact label={t('detail.machine')} data>
          {approval.machine}
        </Fact>
        <Fact label={t('detail.application')} data>
          {basename(approval.application.path)}
        </Fact>
        <Fact label={t('detail.path')} mono data>
          {approval.application.path}
        </Fact>
        <Fact label={t('detail.publisher')} data={Boolean(approval.application.signer)} testId="detail-publisher">
          {approval.application.signer || t('detail.unsigned')}
        </Fact>
        <Fact label={t('detail.sha256')} mono data={approval.application.sha256 !== null}>
          {approval.application.sha256 ?? t('detail.unknown')}
        </Fact>
        <Fact label={t('detail.commandLine')} mono data testId="detail-command">
          {approval.application.commandLine}
        </Fact>
        <Fact label={t('detail.cwd')} mono data={Boolean(approval.cwd)} testId="detail-cwd">
          {approval.cwd || t('detail.unknown')}
        </Fact>
        <Fact label={t('detail.justification')} data testId="detail-justification">
          {approval.justification}
        </Fact>
        <Fact label={t('detail.policies')} data>
          {approval.matchedPolicies.map((p) => `${p.policyName} (${p.controls.join(', ')})`).join('; ')}
        </Fact>
        <AgenticFact approval={approval} />
        <MfaFact approval={approval} format={when} />
        <QuorumFact approval={approval} selfUid={selfUid} />
        <Fact label={t('detail.requestedAt')}>
          <time dateTime={approval.createdAt}>{when.format(new Date(approval.createdAt))}</time>
        </Fact>
        <Fact label={isOpen(approval) ? t('detail.deadline') : t('detail.decision')} testId="detail-deadline">
          {isOpen(approval) ? (
            <>
              <time dateTime={approval.expiresAt}>{when.format(new Date(approval.expiresAt))}</time> · <Deadline approval={approval} t={t} />
            </>
          ) : (
            <Decision approval={approval} format={when} />
          )}
        </Fact>
        {history ? (
          <Fact label={t('detail.history')} testId="detail-history">
            {t('detail.historyValue', { asked: history.asked, approved: history.approved, denied: history.denied })}
          </Fact>
        ) : null}
      </dl>
      {isOpen(approval) ? (
        <div className="kp-actions ka-detail-actions">
          {own ? <p className="kp-hint">{approval.quorum ? t('detail.ownQuorum') : t('detail.own')}</p> : null}
          <button type="button" className="kp-button kp-secondary" onClick={() => startDecision('deny', [approval.approvalId])}>
            {t('actions.deny')}
          </button>
          <button type="button" className="kp-button" onClick={() => startDecision('approve', [approval.approvalId])}>
            {t('actions.approve')}
          </button>
        </div>
      ) : null}
    </section>
  );
});

function Decision({ approval, format }: { approval: Approval; format: Intl.DateTimeFormat }) {
  const { t } = useTranslation('approver');
  const decision = approval.decision;
  if (!decision) return <>{t(`status.${approval.status}`)}</>;
  return (
    <span data-testid="detail-decision">
      {t('detail.decidedValue', {
        status: t(`status.${approval.status}`),
        name: decision.by.name ?? `uid ${decision.by.uid}`,
        at: format.format(new Date(decision.at)),
      })}
      {decision.reason ? ` — ${decision.reason}` : ''}
    </span>
  );
}

/**
 * The MFA identity when the agent recorded a verification for this request. Approval precedes MFA,
 * so while a request waits, a policy's MFA is still to come: said so, never made up.
 */
function MfaFact({ approval, format }: { approval: Approval; format: Intl.DateTimeFormat }) {
  const { t } = useTranslation('approver');
  if (approval.mfa) {
    const name = approval.mfa.user.name ?? `uid ${approval.mfa.user.uid}`;
    return (
      <Fact label={t('detail.mfa')} testId="detail-mfa">
        {t('detail.mfaVerified', { name, at: format.format(new Date(approval.mfa.verifiedAt)) })}
      </Fact>
    );
  }
  if (!approval.matchedPolicies.some((p) => p.controls.includes('MFA'))) return null;
  return (
    <Fact label={t('detail.mfa')} testId="detail-mfa">
      {t('detail.mfaAfterApproval')}
    </Fact>
  );
}
