import { useTranslation } from 'react-i18next';
import type { AgenticSignal } from '../../../../shared/protocol/src/common/methods/agentic.ts';
import type { Approval } from '../../../../shared/protocol/src/common/methods/approvals.ts';
import { raw } from '../../../../shared/ui/src/raw.ts';
import { Fact } from '../../../../shared/ui/src/SubjectCard.tsx';

/**
 * Whether an AI agent asked for the requester, as the agent detected it from the requester's process
 * tree (docs/agentic.md): the likelihood, the acting process, and each signal with its weight (which
 * ancestor matched which known agent). Nothing for records that do not say (older agents, the fleet).
 */
export function AgenticFact({ approval }: { approval: Approval }) {
  const { t } = useTranslation('approver');
  const agentic = approval.agentic;
  if (agentic === undefined) return null;
  return (
    <Fact label={t('detail.agentic.label')} testId="detail-agentic">
      {agentic === null ? (
        t('detail.agentic.none')
      ) : (
        <>
          {t('detail.agentic.summary', { percent: agentic.aiLikelihoodPercent })} <span {...raw()}>{agentic.parentProcess}</span>
          <ul className="kp-plain" data-testid="detail-agentic-signals">
            {agentic.signals.map((signal, index) => (
              <li key={index} data-signal={signal.signal}>
                <Signal signal={signal} />
              </li>
            ))}
          </ul>
        </>
      )}
    </Fact>
  );
}

function Signal({ signal }: { signal: AgenticSignal }) {
  const { t } = useTranslation('approver');
  const weight = t('detail.agentic.weight', { percent: signal.percent });
  if (signal.signal === 'signature') {
    return (
      <>
        {signal.generation
          ? t('detail.agentic.signature', { count: signal.generation, name: signal.name ?? '' })
          : t('detail.agentic.signatureSelf', { name: signal.name ?? '' })}{' '}
        <span {...raw()}>{signal.agent ?? ''}</span> · {weight}
      </>
    );
  }
  return (
    <>
      {t(`detail.agentic.${signal.signal}`)} · {weight}
    </>
  );
}
