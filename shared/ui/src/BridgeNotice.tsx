import { useTranslation } from 'react-i18next';

/** Says that this page lost, or never got, its link to the desktop app. */
export function BridgeNotice({ bridge, reason }: { bridge: 'lost' | 'failed'; reason: string | null }) {
  const { t } = useTranslation('common');
  return (
    <div className="kp-notice" data-tone="bad">
      <p>{bridge === 'lost' ? t('bridgeLost') : t('bridgeFailed', { reason })}</p>
    </div>
  );
}
