import type { Resource } from 'i18next';
import { loadTranslations } from '../../i18n/src/loadTranslations.ts';
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
