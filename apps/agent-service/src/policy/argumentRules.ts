import { compileVariablePattern } from './patterns.ts';

/**
 * `Extension.AllowArguments` and `Extension.DenyArguments` (docs/policy-semantics.md, 4.6): rules on
 * the argument vector itself, never on a command line re-joined into one string, so no argument can
 * smuggle text into another one's pattern.
 *
 * An argument pattern matches exactly one whole argument, like a shell glob: `*` and `?` never match
 * a `/` (the pattern and the argument must have the same path segments), a segment that starts with
 * `.` only matches a pattern segment that starts with `.` (and `.` or `..` only themselves, spelled
 * out), and an argument that starts with `-` (an
 * option, `--` included) only matches a pattern that starts with `-`: options are spelled out, never
 * reached by a wildcard, which rules out glued (`-oX`) and `--opt=X` forms a pattern does not name.
 * A last pattern ending in `...` matches one or more further arguments.
 */

const NO_VARIABLES = () => ({});
const REPEAT = '...';

export type ArgumentMatcher = (argument: string) => boolean;

/** One argument pattern, compiled. */
function compileArgument(pattern: string, caseInsensitive: boolean): ArgumentMatcher {
  const segments = pattern.split('/').map((segment) => ({
    text: segment,
    dot: segment.startsWith('.'),
    // Variables are refused at load (policySchema.ts), so there are none to expand.
    matches: compileVariablePattern(segment, caseInsensitive),
  }));
  const option = pattern.startsWith('-');
  return (argument) => {
    if (argument.startsWith('-') && !option) return false;
    const parts = argument.split('/');
    if (parts.length !== segments.length) return false;
    return parts.every((part, i) => {
      const segment = segments[i]!;
      // `.` and `..` only ever match themselves, written out: no wildcard climbs out of a folder.
      if (part === '.' || part === '..') return segment.text === part;
      return (!part.startsWith('.') || segment.dot) && segment.matches(part, NO_VARIABLES);
    });
  };
}

/** A rule: one pattern per argument, the last one possibly repeating. */
export type ArgumentRule = (args: readonly string[]) => boolean;

export function compileArgumentRule(patterns: readonly string[], caseInsensitive: boolean): ArgumentRule {
  const last = patterns.at(-1);
  const repeats = last !== undefined && last.endsWith(REPEAT) && last.length > REPEAT.length;
  const fixed = (repeats ? patterns.slice(0, -1) : patterns).map((p) => compileArgument(p, caseInsensitive));
  const rest = repeats ? compileArgument(last.slice(0, -REPEAT.length), caseInsensitive) : null;
  return (args) => {
    if (rest ? args.length <= fixed.length : args.length !== fixed.length) return false;
    for (let i = 0; i < args.length; i++) if (!(i < fixed.length ? fixed[i]! : rest!)(args[i]!)) return false;
    return true;
  };
}

/** Whether a rule list is well formed: `...` only ends the last pattern of a rule. */
export function misplacedRepeat(rules: readonly (readonly string[])[]): { rule: number; argument: number } | null {
  for (let rule = 0; rule < rules.length; rule++) {
    const patterns = rules[rule]!;
    for (let argument = 0; argument < patterns.length - 1; argument++) if (patterns[argument]!.endsWith(REPEAT)) return { rule, argument };
    if (patterns.at(-1) === REPEAT) return { rule, argument: patterns.length - 1 };
  }
  return null;
}

/** A DenyArguments pattern: a Keeper pattern against each whole argument (`*` matches anything). */
export function compileDeniedArgument(pattern: string, caseInsensitive: boolean): ArgumentMatcher {
  const matches = compileVariablePattern(pattern, caseInsensitive);
  return (argument) => matches(argument, NO_VARIABLES);
}

/**
 * The argument check of a policy: with AllowArguments, the arguments must fit one rule; with
 * DenyArguments, none may match. A request whose arguments the agent does not know passes only a
 * policy that sets neither.
 */
export function argumentsPass(allow: readonly ArgumentRule[], deny: readonly ArgumentMatcher[], args: readonly string[] | undefined): boolean {
  if (allow.length === 0 && deny.length === 0) return true;
  if (args === undefined) return false;
  if (deny.length > 0 && args.some((a) => deny.some((d) => d(a)))) return false;
  return allow.length === 0 || allow.some((rule) => rule(args));
}
