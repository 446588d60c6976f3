import { useTranslation } from 'react-i18next';
import type { NetworkInterface, NetworkSnapshot } from '../../../../shared/bridge/src/common/services/networkConnections.ts';
import { BridgeAlert } from '../../../../shared/ui/src/BridgeNotice.tsx';
import { raw } from '../../../../shared/ui/src/raw.ts';
import { shownProblem } from '../../../../shared/i18n/src/reasonText.ts';
import { ReasonText } from '../../../../shared/ui/src/ReasonText.tsx';
import { StatusBadge, type Tone } from '../../../../shared/ui/src/StatusBadge.tsx';
import { ThemeSelect } from '../../../../shared/ui/src/ThemeSelect.tsx';
import { WindowFrame } from '../../../../shared/ui/src/WindowFrame.tsx';
import type { WindowProps } from '../../../../shared/ui/src/bootstrapWindow.tsx';
import { networkActions, useNetworkWindow } from './store.ts';

const STATE_TONE: Record<string, Tone> = { up: 'ok', down: 'bad', dormant: 'warn', unknown: 'neutral' };

export function App({ theme }: WindowProps) {
  const { t } = useTranslation('network');
  const { bridge, bridgeError, snapshot, last, launch } = useNetworkWindow();
  return (
    <WindowFrame
      title={t('title')}
      subtitle={t('subtitle')}
      status={
        <button type="button" className="kp-button kp-secondary" data-testid="refresh" onClick={() => void networkActions.refresh()}>
          {t('refresh')}
        </button>
      }
      footer={<ThemeSelect initial={theme} />}
    >
      <BridgeAlert bridge={bridge} reason={bridgeError} />
      {launch.source ? <RedirectNotice source={launch.source} /> : null}
      <div role="status" aria-live="polite" className="kp-live" data-testid="action-result">
        {last ? (
          <div className="kp-notice" data-tone={last.result.outcome === 'done' ? 'ok' : 'bad'} data-outcome={last.result.outcome}>
            <p>{t(`result.${last.result.outcome}.${last.action}`, { subject: last.subject })}</p>
            {last.result.outcome === 'denied' ? (
              <p>
                <ReasonText reason={last.result.reason} detail={last.result.reasonDetail} />
              </p>
            ) : null}
            {last.result.outcome === 'failed' ? <p>{shownProblem(t, last.result.problem)}</p> : null}
          </div>
        ) : null}
      </div>
      {snapshot ? (
        <>
          <Interfaces interfaces={snapshot.interfaces} />
          <NetworkManager snapshot={snapshot} />
        </>
      ) : (
        <p className="kp-muted">{t('loading')}</p>
      )}
    </WindowFrame>
  );
}

/** Why this window opened when the user asked for another program (a LaunchPrivilegeElevation redirect). */
function RedirectNotice({ source }: { source: string }) {
  const { t } = useTranslation('network');
  return (
    <div className="kp-notice" data-tone="neutral" data-testid="redirect-notice">
      <p>{t('redirected.notice', { program: source.split(/[\\/]/).pop() || source })}</p>
      <p>
        {t('redirected.path')}{' '}
        <span className="kp-mono" data-testid="redirect-source" {...raw()}>
          {source}
        </span>
      </p>
    </div>
  );
}

function Interfaces({ interfaces }: { interfaces: NetworkInterface[] }) {
  const { t } = useTranslation('network');
  const busy = useNetworkWindow((state) => state.busy);
  return (
    <section className="kp-card" aria-labelledby="interfaces-heading">
      <h2 id="interfaces-heading">{t('interfaces.heading', { count: interfaces.length })}</h2>
      <ul className="kp-list" data-testid="interfaces">
        {interfaces.map((item) => (
          <li key={item.name} data-interface={item.name}>
            <span className="kp-stack-tight">
              <span>
                <strong className="kp-mono" {...raw()}>
                  {item.name}
                </strong>{' '}
                <span className="kp-muted">{t(`kind.${item.kind}`)}</span>{' '}
                <StatusBadge tone={STATE_TONE[item.state] ?? 'neutral'} label={t(`state.${item.state}`, { defaultValue: item.state })} />
              </span>
              {item.addresses.length > 0 ? (
                <span className="kp-mono" data-testid="addresses" {...raw()}>
                  {item.addresses.map((a) => `${a.address}/${a.prefixLength}`).join('  ')}
                </span>
              ) : (
                <span className="kp-muted">{t('interfaces.noAddress')}</span>
              )}
              <span className="kp-hint">
                {[
                  item.mac ? t('interfaces.mac', { mac: item.mac }) : null,
                  item.mtu ? t('interfaces.mtu', { mtu: item.mtu }) : null,
                  item.ssid ? t('interfaces.ssid', { ssid: item.ssid }) : null,
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </span>
            </span>
            {item.kind === 'loopback' ? null : (
              <button
                type="button"
                className="kp-button kp-secondary"
                disabled={busy !== null}
                aria-label={t(item.adminUp ? 'interfaces.disableLabel' : 'interfaces.enableLabel', { name: item.name })}
                data-action={item.adminUp ? 'down' : 'up'}
                onClick={() =>
                  void networkActions.change(item.name, item.adminUp ? 'down' : 'up', (api) => api.setInterfaceState(item.name, item.adminUp ? 'down' : 'up'))
                }
              >
                {t(item.adminUp ? 'interfaces.disable' : 'interfaces.enable')}
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function NetworkManager({ snapshot }: { snapshot: NetworkSnapshot }) {
  const { t } = useTranslation('network');
  const busy = useNetworkWindow((state) => state.busy);
  const nm = snapshot.networkManager;
  return (
    <section className="kp-card" aria-labelledby="nm-heading">
      <h2 id="nm-heading">{t('networks.heading')}</h2>
      {!nm.available ? (
        <div className="kp-notice" data-tone="warn" data-testid="nm-unavailable">
          <p>{t('networks.unavailable')}</p>
          <p className="kp-hint">{shownProblem(t, nm.problem)}</p>
        </div>
      ) : (
        <>
          <ul className="kp-list" data-testid="connections">
            {nm.connections.map((connection) => (
              <li key={connection.uuid}>
                <span>
                  <span {...raw()}>{connection.name}</span>{' '}
                  <span className="kp-muted">{connection.active ? t('networks.active', { device: connection.device ?? '' }) : t('networks.saved')}</span>
                </span>
                <button
                  type="button"
                  className="kp-button kp-secondary"
                  disabled={busy !== null}
                  aria-label={t('networks.forgetLabel', { name: connection.name })}
                  onClick={() => void networkActions.change(connection.name, 'forget', (api) => api.forgetNetwork(connection.uuid))}
                >
                  {t('networks.forget')}
                </button>
              </li>
            ))}
          </ul>
          {nm.wifi.length > 0 ? (
            <ul className="kp-list" data-testid="wifi" aria-label={t('networks.wifiLabel')}>
              {nm.wifi.map((network) => (
                <li key={network.ssid}>
                  <span {...raw()}>{network.ssid}</span>
                  <span className="kp-muted">{network.signal !== null ? t('networks.signal', { signal: network.signal }) : null}</span>
                </li>
              ))}
            </ul>
          ) : null}
        </>
      )}
    </section>
  );
}
