import i18next, { type i18n, type Resource } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { PSEUDO_LANGUAGE, pseudoPostProcessor } from './pseudoLocale.ts';
import type { Namespace } from './resources.ts';

/** Picks the first requested language we ship, matching on the primary subtag ("de-AT" → "de"). */
export function pickLanguage(requested: readonly string[], supported: readonly string[]): string {
  for (const tag of requested) {
    if (tag === PSEUDO_LANGUAGE) return tag;
    const primary = tag.toLowerCase().split('-')[0];
    const match = supported.find((lng) => lng === primary);
    if (match) return match;
  }
  return 'en';
}

/**
 * An i18next instance over the given translations: a window passes only its language's namespaces
 * (loadTranslations), main and the tests the whole RESOURCES.
 */
export function createI18n(language: string, defaultNS: Namespace, resources: Resource): i18n {
  const instance = i18next.createInstance();
  void instance
    .use(pseudoPostProcessor)
    .use(initReactI18next)
    .init({
      lng: language,
      fallbackLng: 'en',
      resources,
      ns: [...new Set(Object.values(resources).flatMap((namespaces) => Object.keys(namespaces)))],
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
