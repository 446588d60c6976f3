export const THEMES = ['system', 'light', 'dark', 'high-contrast'] as const;
export type Theme = (typeof THEMES)[number];

const STORAGE_KEY = 'keeper.theme';

function isTheme(value: string | null): value is Theme {
  return value !== null && (THEMES as readonly string[]).includes(value);
}

/** The launch URL wins (the host passes the user's setting), then what the user chose here last. */
export function initialTheme(search: string, storage: Pick<Storage, 'getItem'> | null): Theme {
  const fromUrl = new URLSearchParams(search).get('theme');
  if (isTheme(fromUrl)) return fromUrl;
  const stored = storage?.getItem(STORAGE_KEY) ?? null;
  return isTheme(stored) ? stored : 'system';
}

/**
 * "system" removes the attribute so the OS preferences apply through theme.css's media queries:
 * prefers-color-scheme picks light or dark, prefers-contrast: more and forced-colors pick high contrast.
 */
export function applyTheme(theme: Theme, root: HTMLElement, storage: Pick<Storage, 'setItem'> | null): void {
  if (theme === 'system') delete root.dataset['theme'];
  else root.dataset['theme'] = theme;
  storage?.setItem(STORAGE_KEY, theme);
}
