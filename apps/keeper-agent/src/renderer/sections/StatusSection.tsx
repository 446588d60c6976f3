import { useTranslation } from 'react-i18next';
import type { AgentStatus, FleetLink } from '../../../../../shared/protocol/src/common/methods/agent.ts';
import { raw } from '../../../../../shared/ui/src/raw.ts';
import { StatusBadge } from '../../../../../shared/ui/src/StatusBadge.tsx';
import { splitDuration, useNow } from '../../../../../shared/ui/src/useNow.ts';
import { LogLevelControl } from './LogLevelControl.tsx';

/** The fleet server the agent works with, and the policy set it last received from it. */
function FleetFacts({ fleet, dateFormat }: { fleet: FleetLink; dateFormat: Intl.DateTimeFormat }) {
  const { t } = useTranslation('agent');
  return (
    <>
      <dt>{t('fleet.url')}</dt>
      <dd>
        <StatusBadge tone={fleet.online ? 'ok' : 'warn'} label={fleet.online ? t('fleet.reachable') : t('fleet.unreachable')} testId="fleet-state" />{' '}
        <span className="kp-mono" data-testid="fleet-url" {...raw()}>
          {fleet.url}
        </span>
      </dd>
      <dt>{t('fleet.group')}</dt>
      <dd data-testid="fleet-group" {...raw()}>
        {fleet.group}
      </dd>
      <dt>{t('fleet.policyVersion')}</dt>
      <dd data-testid="fleet-policy-version">
        {fleet.policyVersion === null ? t('fleet.notSynced') : t('fleet.policyVersionValue', { version: fleet.policyVersion })}
      </dd>
      <dt>{t('fleet.lastSync')}</dt>
      <dd data-testid="fleet-last-sync">
        {fleet.lastSync === null ? (
          t('fleet.notSynced')
        ) : (
          <time dateTime={fleet.lastSync} {...raw()}>
            {dateFormat.format(new Date(fleet.lastSync))}
          </time>
        )}
      </dd>
    </>
  );
}

/** Connection facts about the agent itself: backend, version, uptime, log level, identity. */
export function StatusSection({ status, live }: { status: AgentStatus; live: boolean }) {
  const { t, i18n } = useTranslation('agent');
  const now = useNow();
  const startedAt = new Date(status.startedAt);
  const uptime = splitDuration((now - startedAt.getTime()) / 1000);
  const dateFormat = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'medium' });

  return (
    <section className="kp-card" aria-labelledby="details-heading">
      <h2 id="details-heading">{live ? t('details') : t('lastStatus')}</h2>
      <dl className="kp-facts">
        <dt>{t('backend.label')}</dt>
        <dd>
          <StatusBadge tone={status.online ? 'ok' : 'warn'} label={status.online ? t('backend.online') : t('backend.offline')} testId="backend-state" />{' '}
          {t(`backend.${status.backend}`)}
        </dd>
        <dt>{t('version')}</dt>
        <dd data-testid="agent-version" {...raw()}>
          {status.version}
        </dd>
        <dt>{t('uptime')}</dt>
        <dd data-testid="agent-uptime">{live ? t('uptimeValue', uptime) : t('notRunning')}</dd>
        <dt>{t('startedAt')}</dt>
        <dd>
          <time dateTime={status.startedAt} {...raw()}>
            {dateFormat.format(startedAt)}
          </time>
        </dd>
        <dt id="log-level-label">{t('logLevel')}</dt>
        <dd>
          <LogLevelControl current={status.logLevel} live={live} />
        </dd>
        <dt>{t('agentId')}</dt>
        <dd className="kp-mono" {...raw()}>
          {status.agentId}
        </dd>
        <dt>{t('healthUrl')}</dt>
        <dd className="kp-mono" {...raw(status.healthUrl !== null)}>
          {status.healthUrl ?? t('notAvailable')}
        </dd>
        {status.fleet && <FleetFacts fleet={status.fleet} dateFormat={dateFormat} />}
      </dl>
    </section>
  );
}
