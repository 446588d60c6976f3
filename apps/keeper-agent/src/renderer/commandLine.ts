/** Why a typed command line cannot be explained. */
export type CommandLineProblem = 'empty' | 'not-absolute' | 'unclosed-quote';

export type ParsedCommandLine = { ok: true; executable: string; arguments: string[] } | { ok: false; problem: CommandLineProblem };

/**
 * Splits what a user typed into the "why" form into words the way a POSIX shell would for simple
 * input: whitespace separates, single quotes keep everything literal, double quotes and backslashes
 * keep spaces. The program must be an absolute path, since the page cannot search PATH.
 */
export function parseCommandLine(line: string): ParsedCommandLine {
  const words: string[] = [];
  let word: string | null = null;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (c === '\\' && i + 1 < line.length && quote === null) {
      word = (word ?? '') + line[++i]!;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i]!;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote !== null) return { ok: false, problem: 'unclosed-quote' };
  if (word !== null) words.push(word);
  const [executable, ...args] = words;
  if (executable === undefined) return { ok: false, problem: 'empty' };
  if (!executable.startsWith('/')) return { ok: false, problem: 'not-absolute' };
  return { ok: true, executable, arguments: args };
}
