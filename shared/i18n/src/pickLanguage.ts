import { PSEUDO_LANGUAGE } from './pseudoLocale.ts';

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
