import { useTranslation } from 'react-i18next';
import type { PromptSettingsInForce } from '../../../../../shared/protocol/src/common/methods/agent.ts';

type TimeoutKey = PromptSettingsInForce['timeoutsFromJobs'][number];

/** The prompt settings the agent runs with (`--config`, or their defaults), as agent.status reports them. */
export function PromptSettingsSection({ prompts }: { prompts: PromptSettingsInForce }) {
  const { t } = useTranslation('agent');
  const wait = (key: TimeoutKey, seconds: number) => {
    const timeout = seconds % 60 === 0 ? t('promptSettings.minutes', { n: seconds / 60 }) : t('promptSettings.seconds', { n: seconds });
    // An unset timeout is the policy-controls job's to set; the value shown is the agent's default.
    return prompts.timeoutsFromJobs.includes(key) ? t('promptSettings.fromJob', { timeout }) : timeout;
  };
  const mode = (value: 'deny' | 'allow') => t(`promptSettings.${value}`);
  return (
    <section className="kp-card" aria-labelledby="prompt-settings-heading" data-testid="prompt-settings">
      <h2 id="prompt-settings-heading">{t('promptSettings.heading')}</h2>
      <dl className="kp-facts">
        <dt>{t('promptSettings.justification')}</dt>
        <dd data-testid="prompt-settings-justification">
          {t('promptSettings.justificationValue', {
            min: prompts.justification.minLength,
            max: prompts.justification.maxLength,
            timeout: wait('justification', prompts.justification.timeoutSeconds),
          })}
        </dd>
        <dt>{t('promptSettings.notify')}</dt>
        <dd data-testid="prompt-settings-notify">{t('promptSettings.waits', { timeout: wait('acknowledge', prompts.notifyTimeoutSeconds) })}</dd>
        <dt>{t('promptSettings.operatorApproval')}</dt>
        <dd data-testid="prompt-settings-operator-approval">
          {t('promptSettings.operatorApprovalValue', {
            timeout: wait('operatorApproval', prompts.operatorApproval.timeoutSeconds),
            onTimeout: mode(prompts.operatorApproval.onTimeout),
            whenUndeliverable: mode(prompts.operatorApproval.whenUndeliverable),
          })}
        </dd>
        <dt>{t('promptSettings.mfa')}</dt>
        <dd data-testid="prompt-settings-mfa">
          {t('promptSettings.mfaValue', {
            timeout: wait('mfa', prompts.mfa.promptTimeoutSeconds),
            session: t('promptSettings.minutes', { n: prompts.mfa.sessionMinutes }),
            attempts: prompts.mfa.codeAttemptsPerPrompt,
          })}
        </dd>
      </dl>
    </section>
  );
}
