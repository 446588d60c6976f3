import type { Resource } from 'i18next';
import { LANGUAGES, loadTranslations } from '../../i18n/src/loadTranslations.ts';
import { pickLanguage } from '../../i18n/src/pickLanguage.ts';
import type { Namespace } from '../../i18n/src/resources.ts';

/** The language a window falls back to when its own cannot load. */
export const FALLBACK_LANGUAGE = 'en';

export interface WindowTranslations {
  /** The language the resources are in: the one asked for, or the fallback. */
  readonly language: string;
  readonly resources: Resource;
}

/**
 * A window's translations (`common` and `namespace`) in `language`. If they cannot load (a chunk
 * that fails to fetch or parse), the window still shows, in English, and `log` says why.
 */
export async function loadWindowTranslations(language: string, namespace: Namespace, log: (message: string) => void): Promise<WindowTranslations> {
  const namespaces = ['common', namespace];
  try {
    return { language, resources: await loadTranslations(language, namespaces) };
  } catch (error) {
    if (language === FALLBACK_LANGUAGE) throw error;
    log(`the ${language} translations did not load, showing ${FALLBACK_LANGUAGE}: ${(error as Error).message}`);
    return { language: FALLBACK_LANGUAGE, resources: await loadTranslations(FALLBACK_LANGUAGE, namespaces) };
  }
}

/** Where a window says what went wrong before it could show words for it. */
export const windowLog = (namespace: Namespace) => (message: string) => console.error(`Keeper ${namespace} window: ${message}`);

/**
 * Starts loading a window's translations in the language it asks for: the launch URL's `lng`, else the
 * browser's, among those we ship. Kept apart from i18next and React, so a prompt window can ask for
 * them first thing, while the rest of it loads.
 */
export function startWindowTranslations(namespace: Namespace): Promise<WindowTranslations> {
  const requested = new URLSearchParams(window.location.search).get('lng');
  const language = pickLanguage(requested ? [requested] : navigator.languages, LANGUAGES);
  return loadWindowTranslations(language, namespace, windowLog(namespace));
}
