import { parseArgs } from 'node:util';
import { Exit, sayAs } from './cliArgs.ts';

const HELP = `Usage: keeper-edit [--socket PATH] [--] FILE…

Edits FILEs you may not write yourself, when Keeper File Access policy allows it (like sudoedit).
The Keeper agent decides on each file's real path; prompts (justification, MFA, approval) appear in
the Keeper desktop windows while this waits. Your editor ($VISUAL, else $EDITOR, else vi) runs as
you on private copies; the agent writes back each changed copy, keeping the file's owner, group and
mode, unless the file changed meanwhile. A FILE that does not exist is created (owned by root, 0644)
if you save something into it.

Exit status: 0 when every file was written or left unchanged, 1 when a file is denied or refused or
the editor fails (nothing is written then), 2 for a usage error, 3 when the Keeper agent cannot be reached.
`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      strict: true,
      options: { socket: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    sayAs('keeper-edit')((error as Error).message);
    return Exit.usage;
  }
  if (parsed.values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (parsed.positionals.length === 0) {
    process.stderr.write(HELP);
    return Exit.usage;
  }
  // Loaded only now: --help and usage errors never evaluate the protocol's schemas.
  const { editFiles } = await import('./editSession.ts');
  return editFiles({ socket: parsed.values.socket, files: parsed.positionals, env: process.env });
}

process.exitCode = await main();
