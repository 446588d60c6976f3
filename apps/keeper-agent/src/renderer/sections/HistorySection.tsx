import { useTranslation } from 'react-i18next';
import type { ElevationHistoryEntry } from '../../../../../shared/protocol/src/common/methods/elevation.ts';
import { raw } from '../../../../../shared/ui/src/raw.ts';
import { ReasonText } from '../../../../../shared/ui/src/ReasonText.tsx';
import { StatusBadge, type Tone } from '../../../../../shared/ui/src/StatusBadge.tsx';
import { detailsActions } from '../detailsActions.ts';

const STATE_TONE: Record<ElevationHistoryEntry['state'], Tone> = { allowed: 'ok', denied: 'bad', pending: 'neutral' };

/** This user's recent elevation requests with the agent's decision on each (never anyone else's). */
export function HistorySection({ history }: { history: readonly ElevationHistoryEntry[] }) {
  const { t, i18n } = useTranslation('agent');
  const time = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'short' });
  return (
    <section className="kp-card" aria-labelledby="history-heading">
      <div className="kp-card-head">
        <h2 id="history-heading">{t('history.heading')}</h2>
        <button type="button" className="kp-button kp-secondary" onClick={() => void detailsActions.reload()} data-testid="history-refresh">
          {t('refresh')}
        </button>
      </div>
      {history.length === 0 ? (
        <p className="kp-muted">{t('history.empty')}</p>
      ) : (
        <ul className="kp-list" data-testid="history">
          {history.map((entry) => (
            <li key={entry.requestId} data-request-id={entry.requestId}>
              <span className="kp-stack-tight">
                <span className="kp-mono" {...raw()}>
                  {entry.commandLine}
                </span>
                <span className="kp-hint">
                  <time dateTime={entry.createdAt} {...raw()}>
                    {time.format(new Date(entry.createdAt))}
                  </time>
                  {' · '}
                  {entry.grantId
                    ? t('history.viaGrant')
                    : entry.controls.length > 0
                      ? t('history.controls', { controls: entry.controls.map((c) => t(`control.${c}`)).join(' → ') })
                      : t('history.noControls')}
                  {entry.runAsUser !== 'root' ? (
                    <>
                      {' · '}
                      {t('history.runAs', { user: entry.runAsUser })}
                    </>
                  ) : null}
                </span>
                <ReasonText className="kp-hint" reason={entry.reason} detail={entry.reasonDetail} />
              </span>
              <StatusBadge tone={STATE_TONE[entry.state]} label={t(`history.state.${entry.state}`)} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
