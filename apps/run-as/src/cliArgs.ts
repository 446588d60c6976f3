import { parseArgs } from 'node:util';

/** Exit statuses both CLIs share (besides the program's own). */
export const Exit = { denied: 1, usage: 2, unreachable: 3, interrupted: 130 } as const;

export interface CliSpec {
  /** The program's name, the prefix of every line it prints. */
  readonly name: string;
  readonly help: string;
  /** Options of this CLI besides --socket and --help; each takes a value. */
  readonly valueOptions: readonly string[];
}

export type ParsedCli = { kind: 'exit'; code: number } | { kind: 'run'; values: Record<string, string | undefined>; command: string; args: string[] };

export const sayAs = (name: string) => (line: string) => process.stderr.write(`${name}: ${line}\n`);

/** Like sudo, options end at the command: everything from COMMAND on belongs to it. */
export function parseCli(spec: CliSpec, argv: readonly string[]): ParsedCli {
  const say = sayAs(spec.name);
  const commandAt = firstPositional(argv, ['--socket', ...spec.valueOptions.map((o) => `--${o}`)]);
  const options: Record<string, { type: 'string' } | { type: 'boolean'; short: string }> = {
    socket: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const option of spec.valueOptions) options[option] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv.slice(0, commandAt), allowPositionals: false, strict: true, options }).values;
  } catch (error) {
    say((error as Error).message);
    return { kind: 'exit', code: Exit.usage };
  }
  if (values['help'] === true) {
    process.stdout.write(spec.help);
    return { kind: 'exit', code: 0 };
  }
  const [command, ...args] = argv.slice(commandAt);
  if (!command) {
    process.stderr.write(spec.help);
    return { kind: 'exit', code: Exit.usage };
  }
  const strings = Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  return { kind: 'run', values: strings, command, args };
}

/** Index of the command: after `--`, or the first argument that is neither an option nor its value. */
function firstPositional(argv: readonly string[], takesValue: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return i + 1;
    if (takesValue.includes(arg)) i++;
    else if (!arg.startsWith('-')) return i;
  }
  return argv.length;
}

/** A command line a POSIX shell reads back as the same words. */
export function shellLine(words: readonly string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`)).join(' ');
}
