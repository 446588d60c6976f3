import { useTranslation } from 'react-i18next';
import type { AgentStatus, PluginState } from '../../../../shared/protocol/src/common/methods/agent.ts';
import type { AgentStatusView } from '../../../../shared/bridge/src/common/services/agentStatus.ts';
import { BridgeNotice } from '../../../../shared/ui/src/BridgeNotice.tsx';
import { raw } from '../../../../shared/ui/src/SubjectCard.tsx';
import { StatusBadge, type Tone } from '../../../../shared/ui/src/StatusBadge.tsx';
import { ThemeSelect } from '../../../../shared/ui/src/ThemeSelect.tsx';
import { WindowFrame } from '../../../../shared/ui/src/WindowFrame.tsx';
import type { WindowProps } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { useAgentWindow } from './store.ts';
import { splitDuration, useNow } from '../../../../shared/ui/src/useNow.ts';

const CONNECTION_TONE: Record<AgentStatusView['connection'], Tone> = { connecting: 'neutral', connected: 'ok', disconnected: 'bad' };
const PLUGIN_TONE: Record<PluginState, Tone> = { Healthy: 'ok', Starting: 'neutral', Stopping: 'neutral', Unhealthy: 'warn', Failed: 'bad' };

export function App({ theme }: WindowProps) {
  const { t } = useTranslation('agent');
  const { bridge, bridgeError, view } = useAgentWindow();
  const connection = view?.connection ?? 'connecting';

  return (
    <WindowFrame
      title={t('title')}
      subtitle={t('subtitle')}
      status={
        <StatusBadge tone={CONNECTION_TONE[connection]} label={t(`connection.${connection}`)} testId="connection-state" />
      }
      footer={<ThemeSelect initial={theme} />}
    >
      <div role="status" aria-live="polite" className="kp-live">
        {bridge === 'lost' || bridge === 'failed' ? (
          <BridgeNotice bridge={bridge} reason={bridgeError} />
        ) : connection === 'disconnected' ? (
          <div className="kp-notice" data-tone="bad" data-testid="disconnected-notice">
            <p>{t('disconnectedNotice')}</p>
            {view?.lastError ? <p>{t('reason', { reason: view.lastError })}</p> : null}
          </div>
        ) : connection === 'connecting' ? (
          <div className="kp-notice" data-tone="neutral">
            <p>{t('neverConnected')}</p>
          </div>
        ) : null}
      </div>
      {view?.status ? <StatusDetails status={view.status} live={connection === 'connected'} /> : null}
    </WindowFrame>
  );
}

function StatusDetails({ status, live }: { status: AgentStatus; live: boolean }) {
  const { t, i18n } = useTranslation('agent');
  const now = useNow();
  const startedAt = new Date(status.startedAt);
  const uptime = splitDuration((now - startedAt.getTime()) / 1000);
  const dateFormat = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'medium' });

  return (
    <>
      <section className="kp-card" aria-labelledby="details-heading">
        <h2 id="details-heading">{live ? t('details') : t('lastStatus')}</h2>
        <dl className="kp-facts">
          <dt>{t('backend.label')}</dt>
          <dd>
            <StatusBadge
              tone={status.online ? 'ok' : 'warn'}
              label={status.online ? t('backend.online') : t('backend.offline')}
              testId="backend-state"
            />{' '}
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
            <time dateTime={status.startedAt} {...raw()}>{dateFormat.format(startedAt)}</time>
          </dd>
          <dt>{t('logLevel')}</dt>
          <dd {...raw()}>{status.logLevel}</dd>
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
      <section className="kp-card" aria-labelledby="policies-heading">
        <h2 id="policies-heading">{t('policies.heading')}</h2>
        <p data-testid="policy-summary">
          {t('policies.summary', { count: status.policies.active, collections: status.policies.collections, files: status.policies.files })}
        </p>
        {status.policies.errors.length > 0 ? (
          <ul className="kp-problems" data-testid="policy-errors" aria-label={t('policies.errorsLabel')}>
            {status.policies.errors.map((error) => (
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
      <section className="kp-card" aria-labelledby="plugins-heading">
        <h2 id="plugins-heading">{t('plugins')}</h2>
        <ul className="kp-list" data-testid="plugins">
          {status.plugins.map((plugin) => (
            <li key={plugin.name}>
              <span>
                {t(`pluginName.${plugin.name}`, { defaultValue: plugin.name })}
                {plugin.detail ? <span className="kp-muted" {...raw()}> — {plugin.detail}</span> : null}
              </span>
              <StatusBadge tone={PLUGIN_TONE[plugin.state]} label={t(`pluginState.${plugin.state}`)} />
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
