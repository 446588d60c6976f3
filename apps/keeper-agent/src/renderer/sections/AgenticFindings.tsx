import { useTranslation } from 'react-i18next';
import type { AgenticDetection, AgenticSignal } from '../../../../../shared/protocol/src/common/methods/agentic.ts';
import { raw } from '../../../../../shared/ui/src/raw.ts';

/**
 * What the agent found about the process that asked (docs/agentic.md): whether it counts as an AI
 * agent, with which likelihood, and each signal with its weight (which ancestor matched which
 * signature). `undefined` is an older agent that does not say: nothing is shown then.
 */
export function AgenticFindings({ agentic }: { agentic: AgenticDetection | null | undefined }) {
  const { t } = useTranslation('agent');
  if (agentic === undefined) return null;
  return (
    <div className="kp-stack-tight" data-testid="why-agentic">
      <h3 className="kp-subheading">{t('why.agentic.heading')}</h3>
      {agentic === null ? (
        <p data-testid="why-agentic-summary">{t('why.agentic.none')}</p>
      ) : (
        <>
          <p data-testid="why-agentic-summary">
            {t('why.agentic.summary', { percent: agentic.aiLikelihoodPercent })} <span {...raw()}>{agentic.parentProcess}</span>
          </p>
          <ul className="kp-plain kp-checks" data-testid="why-agentic-signals">
            {agentic.signals.map((signal, index) => (
              <li key={index} data-signal={signal.signal}>
                <SignalText signal={signal} />
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function SignalText({ signal }: { signal: AgenticSignal }) {
  const { t } = useTranslation('agent');
  const weight = t('why.agentic.weight', { percent: signal.percent });
  switch (signal.signal) {
    case 'signature':
      return (
        <>
          {signal.generation
            ? t('why.agentic.signature', { count: signal.generation, name: signal.name ?? '' })
            : t('why.agentic.signatureSelf', { name: signal.name ?? '' })}{' '}
          <span {...raw()}>{signal.process ?? ''}</span> · {t('why.agentic.signatureAgent')} <span {...raw()}>{signal.agent ?? ''}</span> · {weight}
        </>
      );
    case 'headless':
      return (
        <>
          {t('why.agentic.headless')} · {weight}
        </>
      );
    case 'claimed':
      return (
        <>
          {t('why.agentic.claimed')} · {weight}
        </>
      );
  }
}
