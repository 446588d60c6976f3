import i18next, { type i18n, type Resource } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { pseudoPostProcessor } from './pseudoLocale.ts';
import type { Namespace } from './resources.ts';

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
