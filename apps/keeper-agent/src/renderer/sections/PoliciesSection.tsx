import { useTranslation } from 'react-i18next';
import type { PolicySummary } from '../../../../../shared/protocol/src/common/methods/agent.ts';
import { raw } from '../../../../../shared/ui/src/raw.ts';

/** How many policies are in effect, and every problem in the policy files. */
export function PoliciesSection({ policies }: { policies: PolicySummary }) {
  const { t } = useTranslation('agent');
  return (
    <section className="kp-card" aria-labelledby="policies-heading">
      <h2 id="policies-heading">{t('policies.heading')}</h2>
      <p data-testid="policy-summary">{t('policies.summary', { count: policies.active, collections: policies.collections, files: policies.files })}</p>
      {policies.errors.length > 0 ? (
        <ul className="kp-problems" data-testid="policy-errors" aria-label={t('policies.errorsLabel')}>
          {policies.errors.map((error) => (
            <li key={`${error.file}:${error.path}:${error.message}`}>
              <span className="kp-mono" {...raw()}>
                {error.file}
                {error.path ? ` › ${error.path}` : ''}
              </span>
              : <span {...raw()}>{error.message}</span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
