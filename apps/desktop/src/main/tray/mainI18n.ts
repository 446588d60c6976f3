import i18next, { type i18n } from 'i18next';
import { RESOURCES, SUPPORTED_LANGUAGES } from '../../../../../shared/i18n/src/resources.ts';

/**
 * Translations for what main itself shows (the native tray menu, result toasts): the same locale
 * files as the windows, without React.
 */
export function createMainI18n(locale: string): i18n {
  const primary = locale.toLowerCase().split('-')[0];
  const language = SUPPORTED_LANGUAGES.find((lng) => lng === primary) ?? 'en';
  const instance = i18next.createInstance();
  void instance.init({
    lng: language,
    fallbackLng: 'en',
    resources: RESOURCES,
    ns: Object.keys(RESOURCES.en),
    defaultNS: 'client',
    fallbackNS: 'common',
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  return instance;
}
