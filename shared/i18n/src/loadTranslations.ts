import type { Resource, ResourceLanguage } from 'i18next';
import { PSEUDO_LANGUAGE } from './pseudoLocale.ts';

/**
 * Every locale file as its own lazy chunk (Vite), so a window fetches and parses only the namespaces
 * it shows, in its own language, instead of every locale of every window.
 */
const FILES = import.meta.glob<ResourceLanguage>('./locales/*/*.json', { import: 'default' });

/** The languages we ship: the folders under locales/. */
export const LANGUAGES: readonly string[] = [...new Set(Object.keys(FILES).map((path) => path.split('/')[2]!))];

/** Loads `namespaces` of `language` (the pseudo-locale is English, transformed as it is shown). */
export async function loadTranslations(language: string, namespaces: readonly string[]): Promise<Resource> {
  const lng = language === PSEUDO_LANGUAGE ? 'en' : language;
  const loaded = await Promise.all(
    namespaces.map(async (ns) => {
      const load = FILES[`./locales/${lng}/${ns}.json`];
      if (!load) throw new Error(`no ${lng} translations for the namespace ${ns}`);
      return [ns, await load()] as const;
    }),
  );
  return { [lng]: Object.fromEntries(loaded) };
}
