import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgentDetails } from '../../../../../shared/bridge/src/common/services/agentDetails.ts';
import { raw } from '../../../../../shared/ui/src/raw.ts';
import { useNow } from '../../../../../shared/ui/src/useNow.ts';
import { detailsActions } from '../detailsActions.ts';
import { useAgentWindow } from '../store.ts';

const minutesLeft = (until: string, now: number) => Math.max(0, Math.round((Date.parse(until) - now) / 60_000));

/** What this user holds right now: the MFA session and elevated sessions (revocable here). */
export function SessionsSection({ details }: { details: AgentDetails }) {
  const { t } = useTranslation('agent');
  const now = useNow(5_000);
  const change = useAgentWindow((s) => (s.change?.kind === 'revoke' ? s.change : null));
  const [busy, setBusy] = useState<string | null>(null);
  const mfaSessions = details.mfa.sessions.filter((s) => Date.parse(s.expiresAt) > now);
  const grants = details.grants.filter((g) => g.state === 'active' && Date.parse(g.expiresAt) > now);

  return (
    <section className="kp-card" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">{t('sessions.heading')}</h2>
      <h3 className="kp-subheading">{t('sessions.mfa')}</h3>
      <p data-testid="mfa-session">
        {!details.mfa.enrolled
          ? t('sessions.mfaNotEnrolled')
          : details.mfa.lockedUntil && Date.parse(details.mfa.lockedUntil) > now
            ? t('sessions.mfaLocked', { minutes: minutesLeft(details.mfa.lockedUntil, now) })
            : mfaSessions.length === 0
              ? t('sessions.mfaNone')
              : mfaSessions.map((s) => (
                  <span key={s.actionType} className="kp-block">
                    {t('sessions.mfaActive', { actionType: s.actionType, minutes: minutesLeft(s.expiresAt, now) })}
                  </span>
                ))}
      </p>
      <h3 className="kp-subheading">{t('sessions.elevated')}</h3>
      {grants.length === 0 ? (
        <p className="kp-muted" data-testid="grants-empty">
          {t('sessions.noGrants')}
        </p>
      ) : (
        <ul className="kp-list" data-testid="grants">
          {grants.map((grant) => (
            <li key={grant.grantId}>
              <span className="kp-stack-tight">
                <span className="kp-mono" {...raw()}>
                  {grant.application.path}
                </span>
                <span className="kp-hint">
                  {t('sessions.grantFacts', { user: grant.runAs.user, policy: grant.policyName, minutes: minutesLeft(grant.expiresAt, now), uses: grant.uses })}
                </span>
              </span>
              <button
                type="button"
                className="kp-button kp-secondary"
                disabled={busy === grant.grantId}
                aria-label={t('sessions.revokeLabel', { path: grant.application.path })}
                onClick={() => {
                  setBusy(grant.grantId);
                  void detailsActions.revokeGrant(grant.grantId).finally(() => setBusy(null));
                }}
              >
                {t('sessions.revoke')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {change?.problem ? (
        <p role="alert" className="kp-error">
          {t(`problem.${change.problem}`)}
        </p>
      ) : null}
    </section>
  );
}
