import { useTranslation } from 'react-i18next';
import type { AgentStatusView } from '../../../../shared/bridge/src/common/services/agentStatus.ts';
import { BridgeNotice } from '../../../../shared/ui/src/BridgeNotice.tsx';
import { StatusBadge, type Tone } from '../../../../shared/ui/src/StatusBadge.tsx';
import { ThemeSelect } from '../../../../shared/ui/src/ThemeSelect.tsx';
import { WindowFrame } from '../../../../shared/ui/src/WindowFrame.tsx';
import type { WindowProps } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { HistorySection } from './sections/HistorySection.tsx';
import { PluginsSection } from './sections/PluginsSection.tsx';
import { PoliciesSection } from './sections/PoliciesSection.tsx';
import { PromptSettingsSection } from './sections/PromptSettingsSection.tsx';
import { RecentJobRunsSection } from './sections/RecentJobRunsSection.tsx';
import { SessionsSection } from './sections/SessionsSection.tsx';
import { StatusSection } from './sections/StatusSection.tsx';
import { WhySection } from './sections/WhySection.tsx';
import { useAgentWindow } from './store.ts';

const CONNECTION_TONE: Record<AgentStatusView['connection'], Tone> = { connecting: 'neutral', connected: 'ok', disconnected: 'bad' };

/** The KeeperAgent window: one section component per topic, so adding a topic is one line here. */
export function App({ theme }: WindowProps) {
  const { t } = useTranslation('agent');
  const { bridge, bridgeError, view, details, detailsProblem } = useAgentWindow();
  const connection = view?.connection ?? 'connecting';
  const live = connection === 'connected';

  return (
    <WindowFrame
      title={t('title')}
      subtitle={t('subtitle')}
      status={<StatusBadge tone={CONNECTION_TONE[connection]} label={t(`connection.${connection}`)} testId="connection-state" />}
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
        ) : live && detailsProblem ? (
          <div className="kp-notice" data-tone="bad" data-testid="details-problem">
            <p>{t('detailsProblem', { problem: t(`problem.${detailsProblem}`) })}</p>
          </div>
        ) : null}
      </div>
      {view?.status ? (
        <>
          <StatusSection status={view.status} live={live} />
          {details ? <SessionsSection details={details} /> : null}
          {details ? <HistorySection history={details.history} /> : null}
          {live ? <WhySection /> : null}
          <PoliciesSection policies={view.status.policies} jobs={view.status.jobs} />
          {view.status.prompts ? <PromptSettingsSection prompts={view.status.prompts} /> : null}
          <PluginsSection plugins={view.status.plugins} />
          {live ? <RecentJobRunsSection /> : null}
        </>
      ) : null}
    </WindowFrame>
  );
}
