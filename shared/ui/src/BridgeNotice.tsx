import { useTranslation } from 'react-i18next';
import type { BridgeState } from './bridgeSlice.ts';

/** Says that this page lost, or never got, its link to the desktop app. */
export function BridgeNotice({ bridge, reason }: { bridge: Extract<BridgeState, 'lost' | 'failed'>; reason: string | null }) {
  const { t } = useTranslation('common');
  return (
    <div className="kp-notice" data-tone="bad">
      <p>{bridge === 'lost' ? t('bridgeLost') : t('bridgeFailed', { reason })}</p>
    </div>
  );
}

/** The notice as an alert, shown only once the link is lost or failed. */
export function BridgeAlert({ bridge, reason }: { bridge: BridgeState; reason: string | null }) {
  if (bridge !== 'lost' && bridge !== 'failed') return null;
  return (
    <div role="alert">
      <BridgeNotice bridge={bridge} reason={reason} />
    </div>
  );
}
