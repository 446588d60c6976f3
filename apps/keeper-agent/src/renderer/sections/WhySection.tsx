import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PolicyCheckOutcome, PolicyExplanation } from '../../../../../shared/protocol/src/common/methods/policy.ts';
import { raw } from '../../../../../shared/ui/src/raw.ts';
import { ReasonText } from '../../../../../shared/ui/src/ReasonText.tsx';
import { StatusBadge, type Tone } from '../../../../../shared/ui/src/StatusBadge.tsx';
import { detailsActions } from '../detailsActions.ts';
import { AgenticFindings } from './AgenticFindings.tsx';
import { useAgentWindow, type WhyState } from '../store.ts';

type Explanation = Extract<WhyState, { phase: 'explained' }>['explanation'];

const OUTCOME_TONE: Record<Explanation['decision']['outcome'], Tone> = { allow: 'ok', deny: 'bad', controls: 'warn' };

/**
 * The policy simulator: for a program or command line, which policies match, which checks pass or
 * fail, which controls would be asked in which order, and the decision, all computed by the agent's
 * own engine (`policy.explain`) without asking or running anything.
 */
export function WhySection() {
  const { t } = useTranslation('agent');
  const why = useAgentWindow((s) => s.why);
  const [line, setLine] = useState('');
  const inputId = useId();
  const hintId = useId();

  return (
    <section className="kp-card kp-stack-tight" aria-labelledby="why-heading">
      <h2 id="why-heading">{t('why.heading')}</h2>
      <form
        className="kp-stack-tight"
        role="search"
        aria-labelledby="why-heading"
        onSubmit={(event) => {
          event.preventDefault();
          void detailsActions.explain(line);
        }}
      >
        <div className="kp-field">
          <label htmlFor={inputId}>{t('why.label')}</label>
          <div className="kp-inline">
            <input
              id={inputId}
              className="kp-input kp-grow kp-mono"
              data-testid="why-input"
              value={line}
              spellCheck={false}
              autoComplete="off"
              aria-describedby={hintId}
              placeholder={t('why.placeholder')}
              onChange={(event) => setLine(event.target.value)}
            />
            <button type="submit" className="kp-button" disabled={why.phase === 'asking'} data-testid="why-submit">
              {t('why.submit')}
            </button>
          </div>
          <p id={hintId} className="kp-hint">
            {t('why.hint')}
          </p>
        </div>
      </form>
      <div aria-live="polite" data-testid="why-result">
        {why.phase === 'failed' ? (
          <p role="alert" className="kp-error" data-testid="why-problem">
            {t(`why.problem.${why.problem}`)}
          </p>
        ) : why.phase === 'explained' ? (
          <WhyResult explanation={why.explanation} />
        ) : null}
      </div>
    </section>
  );
}

function WhyResult({ explanation }: { explanation: Explanation }) {
  const { t } = useTranslation('agent');
  const { decision } = explanation;
  const matched = explanation.policies.filter((p) => p.matched);
  const unmatched = explanation.policies.filter((p) => !p.matched);
  return (
    <div className="kp-stack-tight">
      <h3 className="kp-subheading">{t('why.decision')}</h3>
      <p>
        <StatusBadge tone={OUTCOME_TONE[decision.outcome]} label={t(`why.outcome.${decision.outcome}`)} testId="why-outcome" />{' '}
        <ReasonText testId="why-reason" reason={decision.reason} detail={decision.reasonDetail} />
      </p>
      {decision.controls.length > 0 ? (
        <>
          <p>{t('why.controlsIntro')}</p>
          <ol className="kp-steps" data-testid="why-controls">
            {decision.controls.map((control) => (
              <li key={control} data-control={control}>
                {t(`control.${control}`)}
                {control === 'APPROVAL' && decision.justificationWithApproval ? <span className="kp-hint"> — {t('why.withJustification')}</span> : null}
              </li>
            ))}
          </ol>
        </>
      ) : null}
      {decision.monitored.length > 0 ? (
        <ul className="kp-stack-tight kp-plain" data-testid="why-monitored">
          {decision.monitored.map((m) => (
            <li key={m.policyId}>{t('why.monitored', { policy: m.policyName, outcome: t(`why.wouldBe.${m.wouldBe}`) })}</li>
          ))}
        </ul>
      ) : null}
      <AgenticFindings agentic={explanation.agentic} />
      <h3 className="kp-subheading">{t('why.matched', { count: matched.length })}</h3>
      <PolicyList policies={matched} deciding={decision.deciding} testId="why-matched" />
      <h3 className="kp-subheading">{t('why.unmatched', { count: unmatched.length })}</h3>
      <PolicyList policies={unmatched} deciding={[]} testId="why-unmatched" />
    </div>
  );
}

function PolicyList({ policies, deciding, testId }: { policies: readonly PolicyExplanation[]; deciding: readonly string[]; testId: string }) {
  const { t } = useTranslation('agent');
  if (policies.length === 0) return <p className="kp-muted">{t('why.none')}</p>;
  return (
    <ul className="kp-list kp-policies" data-testid={testId}>
      {policies.map((policy) => (
        <li key={policy.policyId} data-policy-id={policy.policyId}>
          <div className="kp-stack-tight kp-grow">
            <div className="kp-inline">
              <strong {...raw()}>{policy.policyName}</strong>
              {deciding.includes(policy.policyId) ? <StatusBadge tone="ok" label={t('why.deciding')} /> : null}
              {policy.policyType && policy.policyType !== 'PrivilegeElevation' ? (
                <StatusBadge
                  tone="neutral"
                  label={t(`why.type.${policy.policyType}`, { defaultValue: policy.policyType })}
                  testId={`why-type-${policy.policyId}`}
                />
              ) : null}
              {policy.status !== 'enforce' ? <StatusBadge tone="neutral" label={t(`why.status.${policy.status}`)} /> : null}
            </div>
            <span className="kp-hint">
              {t('why.policyFacts', {
                controls: policy.controls.map((c) => t(`control.${c}`, { defaultValue: c })).join(', '),
                specificity: policy.specificity,
              })}
            </span>
            {policy.checks.length === 0 ? (
              <span className="kp-hint">{t('why.noChecks')}</span>
            ) : (
              <ul className="kp-plain kp-checks">
                {policy.checks.map((check) => (
                  <CheckLine key={check.check} check={check} />
                ))}
              </ul>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}

function CheckLine({ check }: { check: PolicyCheckOutcome }) {
  const { t, i18n } = useTranslation('agent');
  const weekday = (n: string) =>
    new Intl.DateTimeFormat(i18n.language, { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2026, 0, 4 + Number(n))));
  const show = (value: string) => (check.check === 'DayCheck' ? weekday(value) : value);
  return (
    <li data-check={check.check} data-passed={check.passed}>
      <StatusBadge tone={check.passed ? 'ok' : 'bad'} label={check.passed ? t('why.passes') : t('why.fails')} /> {t(`why.check.${check.check}`)}:{' '}
      {t('why.needs')} <span {...raw()}>{check.required.map(show).join(', ')}</span> · {t('why.actual')}{' '}
      <span {...raw(check.actual !== null)}>{check.actual === null ? t('why.nothing') : show(check.actual)}</span>
    </li>
  );
}
