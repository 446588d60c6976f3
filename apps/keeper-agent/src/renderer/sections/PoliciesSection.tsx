import { useTranslation } from 'react-i18next';
import type { AgentStatus, PolicyLoadError, PolicySummary } from '../../../../../shared/protocol/src/common/methods/agent.ts';
import { raw } from '../../../../../shared/ui/src/raw.ts';

/** How many policies are in effect, and every problem in the policy and job files. */
export function PoliciesSection({ policies, jobs }: { policies: PolicySummary; jobs?: AgentStatus['jobs'] }) {
  const { t } = useTranslation('agent');
  return (
    <section className="kp-card" aria-labelledby="policies-heading">
      <h2 id="policies-heading">{t('policies.heading')}</h2>
      <p data-testid="policy-summary">{t('policies.summary', { count: policies.active, collections: policies.collections, files: policies.files })}</p>
      <FileProblems errors={policies.errors} label={t('policies.errorsLabel')} testId="policy-errors" />
      <FileProblems errors={jobs?.errors ?? []} label={t('policies.jobErrorsLabel')} testId="job-errors" />
    </section>
  );
}

/** A file's problems: file, JSON path and the loader's message (English, as the agent logs it). */
function FileProblems({ errors, label, testId }: { errors: readonly PolicyLoadError[]; label: string; testId: string }) {
  if (errors.length === 0) return null;
  return (
    <ul className="kp-problems" data-testid={testId} aria-label={label}>
      {errors.map((error) => (
        <li key={`${error.file}:${error.path}:${error.message}`}>
          <span className="kp-mono" {...raw()}>
            {error.file}
            {error.path ? ` › ${error.path}` : ''}
          </span>
          : <span {...raw()}>{error.message}</span>
        </li>
      ))}
    </ul>
  );
}
