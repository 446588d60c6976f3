/**
 * Keeper patterns: `*` matches any run of characters (path separators included), `?` one character,
 * everything else literally. Variables such as `{userprofile}` are expanded before matching.
 * Matching is case-insensitive on Windows only.
 */
export type PatternMatcher = (value: string) => boolean;

export function compilePattern(pattern: string, caseInsensitive: boolean): PatternMatcher {
  if (pattern === '*') return () => true;
  if (!/[*?]/.test(pattern)) {
    if (!caseInsensitive) return (value) => value === pattern;
    const lower = pattern.toLowerCase();
    return (value) => value.toLowerCase() === lower;
  }
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's');
  return (value) => regex.test(value);
}

export type Variables = Readonly<Record<string, string>>;

/** Replaces `{name}` (case-insensitive name) with its value; unknown variables stay as written. */
export function expandVariables(pattern: string, variables: Variables): string {
  return pattern.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => variables[name.toLowerCase()] ?? whole);
}

/** The variables a request's user brings: their home folder under Keeper's names. */
export function userVariables(user: { name: string | null; home: string | null }, platform: NodeJS.Platform): Variables {
  const home = user.home ?? '';
  const vars: Record<string, string> = { username: user.name ?? '', userprofile: home, home };
  if (platform === 'win32') {
    vars['appdata'] = `${home}\\AppData\\Roaming`;
    vars['localappdata'] = `${home}\\AppData\\Local`;
  }
  return vars;
}
