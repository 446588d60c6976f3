import { useTranslation } from 'react-i18next';
import type { AgentStatus } from '../../../../../shared/protocol/src/common/methods/agent.ts';
import { raw } from '../../../../../shared/ui/src/raw.ts';
import { StatusBadge } from '../../../../../shared/ui/src/StatusBadge.tsx';
import { splitDuration, useNow } from '../../../../../shared/ui/src/useNow.ts';
import { LogLevelControl } from './LogLevelControl.tsx';

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
      </dl>
    </section>
  );
}
