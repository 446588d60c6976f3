import { useTranslation } from 'react-i18next';
import { StatusBadge } from './StatusBadge.tsx';
import { minutesAndSeconds, useNow } from './useNow.ts';

/** Time left until `expiresAt`, as m:ss; turns to a warning in the last minute. */
export function Countdown({ expiresAt }: { expiresAt: string }) {
  const { t } = useTranslation('common');
  const { minutes, seconds, totalSeconds } = minutesAndSeconds(expiresAt, useNow());
  return <StatusBadge tone={totalSeconds < 60 ? 'warn' : 'neutral'} label={t('expiresIn', { minutes, seconds })} testId="expires-in" />;
}
