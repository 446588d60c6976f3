import { useTranslation } from 'react-i18next';
import type { TrayIndicator, TrayLabel, TrayMenuItem, TrayView } from '../../../../shared/bridge/src/common/services/tray.ts';
import { BridgeAlert } from '../../../../shared/ui/src/BridgeNotice.tsx';
import { raw } from '../../../../shared/ui/src/raw.ts';
import { StatusBadge, type Tone } from '../../../../shared/ui/src/StatusBadge.tsx';
import { ThemeSelect } from '../../../../shared/ui/src/ThemeSelect.tsx';
import { WindowFrame } from '../../../../shared/ui/src/WindowFrame.tsx';
import type { WindowProps } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { clientWindowActions, useClientWindow } from './store.ts';

const TONE: Record<TrayIndicator, Tone> = { connected: 'ok', pending: 'neutral', attention: 'warn', offline: 'bad' };

/**
 * The tray where there is no OS tray (the web shell): the same menu the native tray shows, as a
 * small window. Every item is a button, so it works with Tab and Enter alone.
 */
export function App({ theme }: WindowProps) {
  const { t } = useTranslation('client');
  const { bridge, bridgeError, view, opened, aboutShown, quit } = useClientWindow();
  const indicator = view?.state.indicator ?? 'offline';
  if (quit && bridge !== 'ready') {
    return (
      <WindowFrame title={t('title')} subtitle={t('subtitle')} footer={<ThemeSelect initial={theme} />}>
        <p role="status" className="kp-notice" data-testid="quit-done">
          {t('quitDone')}
        </p>
      </WindowFrame>
    );
  }
  return (
    <WindowFrame
      title={t('title')}
      subtitle={t('subtitle')}
      status={view ? <StatusBadge tone={TONE[indicator]} label={t(`indicator.${indicator}`)} testId="tray-indicator" /> : null}
      footer={<ThemeSelect initial={theme} />}
    >
      <BridgeAlert bridge={bridge} reason={bridgeError} />
      {view ? <TrayMenu view={view} /> : null}
      <div role="status" aria-live="polite" className="kp-live" data-testid="opened">
        {opened ? t('opened', { window: t(`windowName.${opened}`, { defaultValue: opened }) }) : null}
      </div>
      {view && aboutShown ? <About view={view} /> : null}
    </WindowFrame>
  );
}

function useLabel() {
  const { t } = useTranslation('client');
  return (label: TrayLabel) => t(label.key, { ...label.values, control: label.values?.['control'] ? t(`control.${label.values['control']}`) : undefined });
}

function TrayMenu({ view }: { view: TrayView }) {
  const { t } = useTranslation('client');
  const label = useLabel();
  const { state } = view;
  const run = async (item: TrayMenuItem) => {
    if (item.id === 'about') return clientWindowActions.toggleAbout();
    const activate = useClientWindow.getState().activate;
    if (item.id === 'quit') {
      clientWindowActions.quitChosen();
      // The suite may be gone before it answers; the page then says it has quit.
      return void activate?.(item.id).catch(() => undefined);
    }
    if (activate) clientWindowActions.opened((await activate(item.id)).opened);
  };
  return (
    <section className="kp-card kc-tray" data-indicator={state.indicator} data-testid="tray">
      <div className="kc-header">
        <span className="kc-icon" data-indicator={state.indicator} aria-hidden="true" />
        {view.menu
          .filter((item) => item.kind === 'header')
          .map((item) => (
            <h2 key={item.id} data-testid="tray-header">
              {label(item.label)}
            </h2>
          ))}
      </div>
      <p className="kp-hint" data-testid="health">
        {state.health.checkedAt
          ? t(state.health.ok ? 'health.ok' : 'health.failed', { time: new Date(state.health.checkedAt).toLocaleTimeString() })
          : t('health.never')}
      </p>
      <nav aria-label={t('menuLabel')}>
        <ul className="kc-menu" data-testid="tray-menu">
          {view.menu.map((item) =>
            item.kind === 'separator' ? (
              <li key={item.id} className="kc-separator" aria-hidden="true" />
            ) : item.kind === 'action' ? (
              <li key={item.id}>
                <button type="button" className="kc-item" disabled={!item.enabled} data-item={item.id} onClick={() => void run(item)}>
                  <span {...raw(item.id.startsWith('pending:'))}>{label(item.label)}</span>
                </button>
              </li>
            ) : null,
          )}
        </ul>
      </nav>
    </section>
  );
}

function About({ view }: { view: TrayView }) {
  const { t } = useTranslation('client');
  return (
    <section className="kp-card" aria-labelledby="about-heading" data-testid="about">
      <h2 id="about-heading">{t('about.heading')}</h2>
      <dl className="kp-facts">
        <dt>{t('about.suiteVersion')}</dt>
        <dd {...raw()}>{view.state.suiteVersion}</dd>
        <dt>{t('about.agentVersion')}</dt>
        <dd {...raw(view.state.agentVersion !== null)}>{view.state.agentVersion ?? t('about.agentUnknown')}</dd>
      </dl>
      <p className="kp-hint">{t('about.text')}</p>
    </section>
  );
}
