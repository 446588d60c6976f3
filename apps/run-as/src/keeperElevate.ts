import { parseCli, shellLine } from './cliArgs.ts';

const HELP = `Usage: keeper-elevate [--socket PATH] [--] COMMAND [ARG…]

Runs COMMAND with administrator rights when Keeper policy allows it. The Keeper agent decides;
prompts (justification, MFA, approval) appear in the Keeper desktop windows while this waits.

Exit status: the command's own, or 1 when the request is denied, expires or cannot be met
offline, 2 for a usage error, 3 when the Keeper agent cannot be reached.
`;

async function main(): Promise<number> {
  const cli = parseCli({ name: 'keeper-elevate', help: HELP, valueOptions: [] }, process.argv.slice(2));
  if (cli.kind === 'exit') return cli.code;
  // Loaded only now: --help and usage errors never evaluate the protocol's schemas.
  const { elevate } = await import('./elevationSession.ts');
  return elevate({
    name: 'keeper-elevate',
    socket: cli.values['socket'],
    command: cli.command,
    args: cli.args,
    rerun: shellLine(['keeper-elevate', cli.command, ...cli.args]),
  });
}

process.exitCode = await main();
