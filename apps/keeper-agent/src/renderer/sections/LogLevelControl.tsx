import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LogLevel } from '../../../../../shared/protocol/src/common/methods/agent.ts';
import { detailsActions } from '../detailsActions.ts';
import { useAgentWindow } from '../store.ts';

/** The agent's log level: a switch for administrators, read-only with the reason for everyone else. */
export function LogLevelControl({ current, live }: { current: LogLevel; live: boolean }) {
  const { t } = useTranslation('agent');
  const canSet = useAgentWindow((s) => s.details?.permissions.canSetLogLevel ?? false);
  const change = useAgentWindow((s) => (s.change?.kind === 'logLevel' ? s.change : null));
  const [choice, setChoice] = useState<LogLevel | null>(null);
  const [busy, setBusy] = useState(false);
  const level = t(`logLevels.${current}`);

  if (!canSet || !live) {
    return (
      <span className="kp-stack-tight">
        <span data-testid="log-level">{level}</span>
        {live ? (
          <span className="kp-hint" data-testid="log-level-why">
            {t('logLevelReadOnly')}
          </span>
        ) : null}
      </span>
    );
  }
  const selected = choice ?? current;
  return (
    <form
      className="kp-inline"
      onSubmit={(event) => {
        event.preventDefault();
        setBusy(true);
        void detailsActions.setLogLevel(selected).finally(() => {
          setBusy(false);
          setChoice(null);
        });
      }}
    >
      <select
        className="kp-select"
        aria-labelledby="log-level-label"
        data-testid="log-level-select"
        value={selected}
        onChange={(event) => setChoice(LogLevel.parse(event.target.value))}
      >
        {LogLevel.options.map((option) => (
          <option key={option} value={option}>
            {t(`logLevels.${option}`)}
          </option>
        ))}
      </select>
      <button type="submit" className="kp-button kp-secondary" disabled={busy || selected === current} data-testid="log-level-apply">
        {t('apply')}
      </button>
      {change?.problem ? (
        <span role="alert" className="kp-error">
          {t(`problem.${change.problem}`)}
        </span>
      ) : null}
    </form>
  );
}
