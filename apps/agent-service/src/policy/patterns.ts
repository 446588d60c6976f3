/**
 * Keeper patterns: `*` matches any run of characters (path separators included), `?` one character,
 * everything else literally. Variables such as `{userprofile}` are expanded before matching.
 * Matching is case-insensitive on Windows only.
 */
export type PatternMatcher = (value: string) => boolean;

export function compilePattern(pattern: string, caseInsensitive: boolean): PatternMatcher {
  if (pattern === '*') return () => true;
  const fold = caseInsensitive ? (text: string) => text.toLowerCase() : (text: string) => text;
  if (!/[*?]/.test(pattern)) {
    const exact = fold(pattern);
    return (value) => fold(value) === exact;
  }
  // Most path patterns are `prefix*suffix`; comparing ends is far cheaper than a RegExp.
  const parts = pattern.split('*');
  if (parts.length === 2 && !pattern.includes('?')) {
    const prefix = fold(parts[0]!);
    const suffix = fold(parts[1]!);
    return (value) => {
      const folded = fold(value);
      return folded.length >= prefix.length + suffix.length && folded.startsWith(prefix) && folded.endsWith(suffix);
    };
  }
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's');
  return (value) => regex.test(value);
}

export type Variables = Readonly<Record<string, string>>;

const VARIABLE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `{name}` (case-insensitive name) with its value. Null when a variable has no value: a
 * pattern such as `{userprofile}/bin/*` must match nothing for a user without a home folder, never
 * widen to `/bin/*`.
 */
export function expandVariables(pattern: string, variables: Variables): string | null {
  let unresolved = false;
  const expanded = pattern.replace(VARIABLE, (_whole, name: string) => {
    const value = variables[name.toLowerCase()];
    if (!value) unresolved = true;
    return value ?? '';
  });
  return unresolved ? null : expanded;
}

/** A pattern that may use variables: compiled once if it has none, per set of values otherwise. */
export type VariablePattern = (value: string, variables: () => Variables) => boolean;

export function compileVariablePattern(pattern: string, caseInsensitive: boolean): VariablePattern {
  if (!new RegExp(VARIABLE.source).test(pattern)) {
    const fixed = compilePattern(pattern, caseInsensitive);
    return (value) => fixed(value);
  }
  const compiled = new Map<string, PatternMatcher>();
  return (value, variables) => {
    const expanded = expandVariables(pattern, variables());
    if (expanded === null) return false;
    let matcher = compiled.get(expanded);
    if (!matcher) {
      matcher = compilePattern(expanded, caseInsensitive);
      if (compiled.size < 256) compiled.set(expanded, matcher);
    }
    return matcher(value);
  };
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
