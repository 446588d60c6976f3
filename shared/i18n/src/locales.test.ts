import { describe, expect, it } from 'vitest';
import { createI18n } from './createI18n.ts';
import { pseudoize } from './pseudoLocale.ts';
import { PSEUDO_LANGUAGE, RESOURCES, SUPPORTED_LANGUAGES } from './resources.ts';

/** Every locale file on disk, registered or not: a namespace added to en must reach every language. */
const FILES = import.meta.glob<Record<string, unknown>>('./locales/*/*.json', { eager: true, import: 'default' });

const REFERENCE = 'en';
const TRANSLATIONS = ['de', 'fr', 'ja'] as const;
const PLURAL_SUFFIX = /^(.+)_(zero|one|two|few|many|other)$/;

type Flat = ReadonlyMap<string, string>;

function flatten(value: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (typeof value === 'string') into.set(prefix, value);
  else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, into);
  } else throw new Error(`${prefix}: not a string or an object of strings`);
  return into;
}

/** lng → namespace → flat keys. */
const LOCALES = new Map<string, Map<string, Flat>>();
for (const [path, content] of Object.entries(FILES)) {
  const [, lng, ns] = /^\.\/locales\/([^/]+)\/([^/]+)\.json$/.exec(path) ?? [];
  if (!lng || !ns) throw new Error(`unexpected locale file ${path}`);
  if (!LOCALES.has(lng)) LOCALES.set(lng, new Map());
  LOCALES.get(lng)!.set(ns, flatten(content));
}
const en = LOCALES.get(REFERENCE)!;
const NAMESPACES = [...en.keys()].sort();

/** Plural families are the keys of en with an `_other` form; everything else is a plain key. */
function split(keys: Flat, families: ReadonlySet<string>) {
  const plain = new Set<string>();
  const plural = new Map<string, Set<string>>();
  for (const key of keys.keys()) {
    const match = PLURAL_SUFFIX.exec(key);
    if (match && families.has(match[1]!)) {
      if (!plural.has(match[1]!)) plural.set(match[1]!, new Set());
      plural.get(match[1]!)!.add(match[2]!);
    } else plain.add(key);
  }
  return { plain, plural };
}

function familiesOf(keys: Flat): Set<string> {
  return new Set([...keys.keys()].flatMap((key) => (key.endsWith('_other') ? [key.slice(0, -'_other'.length)] : [])));
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*([^}\s,]+)[^}]*\}\}/g)].map((m) => m[1]!).sort();
const categories = (lng: string) => [...new Intl.PluralRules(lng).resolvedOptions().pluralCategories].sort();

describe('locale files', () => {
  it('has en and every translation on disk, registered in RESOURCES with every namespace', () => {
    expect([...LOCALES.keys()].sort()).toEqual([REFERENCE, ...TRANSLATIONS].sort());
    expect([...SUPPORTED_LANGUAGES].sort()).toEqual([REFERENCE, ...TRANSLATIONS].sort());
    for (const lng of SUPPORTED_LANGUAGES) {
      expect(Object.keys(RESOURCES[lng]).sort(), lng).toEqual(NAMESPACES);
      for (const ns of NAMESPACES) {
        // The registered object is the file itself (not a copy from another language).
        expect(RESOURCES[lng][ns as keyof (typeof RESOURCES)['en']], `${lng}/${ns}`).toBe(FILES[`./locales/${lng}/${ns}.json`]);
      }
    }
  });

  describe.each(TRANSLATIONS)('%s', (lng) => {
    it.each(NAMESPACES)('%s has exactly the keys of en, no empty string', (ns) => {
      const reference = en.get(ns)!;
      const families = familiesOf(reference);
      const translated = LOCALES.get(lng)?.get(ns);
      expect(translated, `${lng}/${ns}.json is missing`).toBeDefined();
      const want = split(reference, families);
      const got = split(translated!, families);
      expect([...got.plain].sort()).toEqual([...want.plain].sort());
      expect([...got.plural.keys()].sort()).toEqual([...want.plural.keys()].sort());
      for (const [key, value] of translated!) expect(value.trim(), `${lng}/${ns}:${key}`).not.toBe('');
    });

    it.each(NAMESPACES)('%s has every plural form of the language, and no other', (ns) => {
      const families = familiesOf(en.get(ns)!);
      const { plural } = split(LOCALES.get(lng)!.get(ns)!, families);
      for (const [family, forms] of plural) expect([...forms].sort(), `${lng}/${ns}:${family}`).toEqual(categories(lng));
    });

    it.each(NAMESPACES)('%s keeps every {{placeholder}} of en', (ns) => {
      const reference = en.get(ns)!;
      const families = familiesOf(reference);
      for (const [key, value] of LOCALES.get(lng)!.get(ns)!) {
        const match = PLURAL_SUFFIX.exec(key);
        const family = match && families.has(match[1]!) ? match[1]! : null;
        // Every form of a plural family carries the placeholders of en's `_other`.
        const source = reference.get(family ? `${family}_other` : key);
        expect(source, `${lng}/${ns}:${key} has no en source`).toBeDefined();
        expect(placeholders(value), `${lng}/${ns}:${key}`).toEqual(placeholders(source!));
      }
    });
  });

  it('en has every plural form of English for each family, with the same placeholders', () => {
    for (const ns of NAMESPACES) {
      const reference = en.get(ns)!;
      const { plural } = split(reference, familiesOf(reference));
      for (const [family, forms] of plural) {
        expect([...forms].sort(), `en/${ns}:${family}`).toEqual(categories(REFERENCE));
        for (const form of forms) expect(placeholders(reference.get(`${family}_${form}`)!)).toEqual(placeholders(reference.get(`${family}_other`)!));
      }
    }
  });
});

describe('pseudo-locale', () => {
  const all = NAMESPACES.flatMap((ns) => [...en.get(ns)!].map(([key, value]) => [`${ns}:${key}`, value] as const));

  it.each(all)('pseudoize(%s) keeps its placeholders and is bracketed', (_key, value) => {
    const pseudo = pseudoize(value);
    expect(pseudo.startsWith('[') && pseudo.endsWith(']')).toBe(true);
    expect([...pseudo.matchAll(/\{\{[^}]*\}\}/g)].map((m) => m[0])).toEqual([...value.matchAll(/\{\{[^}]*\}\}/g)].map((m) => m[0]));
    // No plain vowel is left outside the placeholders: the string is visibly pseudo-localised.
    expect(pseudo.replace(/\{\{[^}]*\}\}/g, '')).not.toMatch(/[aeiouAEIOU]/);
    expect(pseudo.length).toBeGreaterThan(value.length);
  });

  it('interpolates through the pseudo post-processor', () => {
    const i18n = createI18n(PSEUDO_LANGUAGE, 'common', RESOURCES);
    const text = i18n.t('waiting', { count: 3 });
    expect(text).toMatch(/^\[3 .*~+\]$/);
    expect(text).not.toContain('{{');
  });

  it.each(TRANSLATIONS)('%s resolves plural forms without falling back to English', (lng) => {
    const i18n = createI18n(lng, 'common', RESOURCES);
    for (const count of [0, 1, 2, 5, 1_000_000]) {
      const text = i18n.t('waiting', { count });
      expect(text).toContain(String(count));
      expect(text).not.toBe(createI18n('en', 'common', RESOURCES).t('waiting', { count }));
    }
  });
});
