import { useTranslation } from 'react-i18next';
import type { PluginState, PluginStatus } from '../../../../../shared/protocol/src/common/methods/agent.ts';
import { raw } from '../../../../../shared/ui/src/raw.ts';
import { StatusBadge, type Tone } from '../../../../../shared/ui/src/StatusBadge.tsx';

const PLUGIN_TONE: Record<PluginState, Tone> = { Healthy: 'ok', Starting: 'neutral', Stopping: 'neutral', Unhealthy: 'warn', Failed: 'bad' };

/** The agent's plugins and their health. */
export function PluginsSection({ plugins }: { plugins: readonly PluginStatus[] }) {
  const { t } = useTranslation('agent');
  return (
    <section className="kp-card" aria-labelledby="plugins-heading">
      <h2 id="plugins-heading">{t('plugins')}</h2>
      <ul className="kp-list" data-testid="plugins">
        {plugins.map((plugin) => (
          <li key={plugin.name}>
            <span>
              {t(`pluginName.${plugin.name}`, { defaultValue: plugin.name })}
              {plugin.detail ? (
                <span className="kp-muted" {...raw()}>
                  {' '}
                  — {plugin.detail}
                </span>
              ) : null}
            </span>
            <StatusBadge tone={PLUGIN_TONE[plugin.state]} label={t(`pluginState.${plugin.state}`)} />
          </li>
        ))}
      </ul>
    </section>
  );
}
