/**
 * Keeper patterns: `*` matches any run of characters (path separators included), `?` one character,
 * everything else literally. Variables such as `{userprofile}` are expanded before matching.
 * Matching is case-insensitive on Windows only.
 *
 * Patterns are split once, at policy load, into the literal runs between `*`s; a request only
 * concatenates variable values into those runs and compares them against the value. No RegExp is
 * built per request, and a variable's value is always literal text (a `*` in a home folder's name
 * cannot widen the pattern).
 */
export type Variables = Readonly<Record<string, string>>;
/** A pattern that may use variables; `variables` is only called when the pattern has some. */
export type VariablePattern = (value: string, variables: () => Variables) => boolean;

/** A run between two `*`s: its text and the offsets in it where `?` stands (any one character). */
interface Run {
  readonly text: string;
  readonly anyAt: readonly number[];
}

/** A run before substitution: literal text, `?`, and variable names (lower-cased). */
type Piece = { readonly literal: string } | { readonly any: true } | { readonly variable: string };

const VARIABLE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/y;

function parse(pattern: string): Piece[][] {
  const runs: Piece[][] = [[]];
  let literal = '';
  const flush = () => {
    if (literal) runs[runs.length - 1]!.push({ literal });
    literal = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      flush();
      runs.push([]);
    } else if (ch === '?') {
      flush();
      runs[runs.length - 1]!.push({ any: true });
    } else if (ch === '{') {
      VARIABLE.lastIndex = i;
      const m = VARIABLE.exec(pattern);
      if (m) {
        flush();
        runs[runs.length - 1]!.push({ variable: m[1]!.toLowerCase() });
        i += m[0].length - 1;
      } else {
        literal += ch;
      }
    } else {
      literal += ch;
    }
  }
  flush();
  return runs;
}

/** Builds the runs of one request; null when a variable has no value (the pattern must not widen). */
function substitute(runs: readonly (readonly Piece[])[], variables: Variables | null, fold: (s: string) => string): Run[] | null {
  const out: Run[] = [];
  for (const pieces of runs) {
    let text = '';
    const anyAt: number[] = [];
    for (const piece of pieces) {
      if ('literal' in piece) text += piece.literal;
      else if ('any' in piece) {
        anyAt.push(text.length);
        text += '?';
      } else {
        const value = variables?.[piece.variable];
        if (!value) return null;
        text += fold(value);
      }
    }
    out.push({ text, anyAt });
  }
  return out;
}

function runAt(value: string, at: number, run: Run): boolean {
  if (at + run.text.length > value.length) return false;
  if (run.anyAt.length === 0) return value.startsWith(run.text, at);
  let next = 0;
  for (let i = 0; i < run.text.length; i++) {
    if (run.anyAt[next] === i) {
      next++;
      continue;
    }
    if (value.charCodeAt(at + i) !== run.text.charCodeAt(i)) return false;
  }
  return true;
}

function findRun(value: string, from: number, run: Run): number {
  if (run.anyAt.length === 0) return value.indexOf(run.text, from);
  for (let at = from; at + run.text.length <= value.length; at++) if (runAt(value, at, run)) return at;
  return -1;
}

/**
 * Whether `value` matches runs that were separated by `*`. Runs have fixed lengths, so taking each
 * middle run at its leftmost place is never worse than a later one: no backtracking.
 */
function matchRuns(value: string, runs: readonly Run[]): boolean {
  const first = runs[0]!;
  if (runs.length === 1) return value.length === first.text.length && runAt(value, 0, first);
  const last = runs[runs.length - 1]!;
  const end = value.length - last.text.length;
  if (end < first.text.length || !runAt(value, 0, first) || !runAt(value, end, last)) return false;
  let at = first.text.length;
  for (let i = 1; i < runs.length - 1; i++) {
    const run = runs[i]!;
    const found = findRun(value, at, run);
    if (found < 0 || found + run.text.length > end) return false;
    at = found + run.text.length;
  }
  return true;
}

const identity = (text: string) => text;
const lower = (text: string) => text.toLowerCase();

export function compileVariablePattern(pattern: string, caseInsensitive: boolean): VariablePattern {
  if (pattern === '*') return () => true;
  const fold = caseInsensitive ? lower : identity;
  const runs = parse(fold(pattern));
  const usesVariables = runs.some((pieces) => pieces.some((p) => 'variable' in p));
  if (!usesVariables) {
    const fixed = substitute(runs, null, fold)!;
    return (value) => matchRuns(fold(value), fixed);
  }
  return (value, variables) => {
    const expanded = substitute(runs, variables(), fold);
    return expanded !== null && matchRuns(fold(value), expanded);
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
