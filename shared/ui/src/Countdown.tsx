import { useTranslation } from 'react-i18next';
import { StatusBadge } from './StatusBadge.tsx';
import { splitDuration, useNow } from './useNow.ts';

/** Time left until `expiresAt`, as m:ss; turns to a warning in the last minute. */
export function Countdown({ expiresAt }: { expiresAt: string }) {
  const { t } = useTranslation('common');
  const now = useNow();
  const left = splitDuration((new Date(expiresAt).getTime() - now) / 1000);
  const seconds = left.hours * 3600 + left.minutes * 60 + left.seconds;
  const label = t('expiresIn', { minutes: left.hours * 60 + left.minutes, seconds: String(left.seconds).padStart(2, '0') });
  return <StatusBadge tone={seconds < 60 ? 'warn' : 'neutral'} label={label} testId="expires-in" />;
}
