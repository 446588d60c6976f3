import i18next, { type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { pseudoPostProcessor } from './pseudoLocale.ts';
import { PSEUDO_LANGUAGE, RESOURCES, SUPPORTED_LANGUAGES, type Namespace } from './resources.ts';

/** Picks the first requested language we ship, matching on the primary subtag ("de-AT" → "de"). */
export function pickLanguage(requested: readonly string[]): string {
  for (const tag of requested) {
    if (tag === PSEUDO_LANGUAGE) return tag;
    const primary = tag.toLowerCase().split('-')[0];
    const match = SUPPORTED_LANGUAGES.find((lng) => lng === primary);
    if (match) return match;
  }
  return 'en';
}

export function createI18n(language: string, defaultNS: Namespace): i18n {
  const instance = i18next.createInstance();
  void instance
    .use(pseudoPostProcessor)
    .use(initReactI18next)
    .init({
      lng: language,
      fallbackLng: 'en',
      supportedLngs: [...SUPPORTED_LANGUAGES, PSEUDO_LANGUAGE],
      resources: RESOURCES,
      ns: Object.keys(RESOURCES.en),
      defaultNS,
      fallbackNS: 'common',
      postProcess: ['pseudo'],
      interpolation: { escapeValue: false },
      returnNull: false,
      react: { useSuspense: false },
      initAsync: false,
    });
  return instance;
}
