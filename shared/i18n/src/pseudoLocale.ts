import type { PostProcessorModule } from 'i18next';

/** A pseudo-locale that makes untranslated and clipped strings stand out. */
export const PSEUDO_LANGUAGE = 'en-XA';

const ACCENTED: Readonly<Record<string, string>> = {
  a: 'á',
  e: 'é',
  i: 'í',
  o: 'ó',
  u: 'ú',
  y: 'ý',
  c: 'ç',
  n: 'ñ',
  A: 'Á',
  E: 'É',
  I: 'Í',
  O: 'Ó',
  U: 'Ú',
  Y: 'Ý',
  C: 'Ç',
  N: 'Ñ',
};

/**
 * Accents every letter outside {{placeholders}} and pads the text by a third, in brackets:
 * an English-looking string in the pseudo-locale was not translated, and a cut bracket was clipped.
 */
export function pseudoize(text: string): string {
  const parts = text.split(/(\{\{[^}]*\}\})/);
  const accented = parts.map((part) => (part.startsWith('{{') ? part : part.replace(/[A-Za-z]/g, (ch) => ACCENTED[ch] ?? ch))).join('');
  const padding = '~'.repeat(Math.ceil(text.length / 3));
  return `[${accented}${padding}]`;
}

export const pseudoPostProcessor: PostProcessorModule = {
  type: 'postProcessor',
  name: 'pseudo',
  process: (value: string, _key: string | string[], _options: unknown, translator: { language?: string }) =>
    translator.language === PSEUDO_LANGUAGE ? pseudoize(value) : value,
};
