import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyTheme, THEMES, type Theme } from './theme.ts';

export function ThemeSelect({ initial }: { initial: Theme }) {
  const { t } = useTranslation('common');
  const [theme, setTheme] = useState<Theme>(initial);
  const id = useId();
  return (
    <>
      <label htmlFor={id}>{t('theme.label')}</label>
      <select
        id={id}
        className="kp-select"
        value={theme}
        onChange={(event) => {
          const next = event.target.value as Theme;
          setTheme(next);
          applyTheme(next, document.documentElement, window.localStorage);
        }}
      >
        {THEMES.map((value) => (
          <option key={value} value={value}>
            {t(`theme.${value}`)}
          </option>
        ))}
      </select>
    </>
  );
}
