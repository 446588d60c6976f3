import { Exit, parseCli, sayAs, shellLine } from './cliArgs.ts';

const HELP = `Usage: keeper-runas --user NAME [--socket PATH] [--] COMMAND [ARG…]

Runs COMMAND as the user NAME when Keeper policy allows it (Keeper.RunAs). The Keeper agent
decides under the same policies as keeper-elevate; prompts appear in the Keeper desktop windows
while this waits. The command gets NAME's uid, groups, HOME, SHELL and a clean environment.

Exit status: the command's own, or 1 when the request is denied, NAME does not exist, the request
expires or cannot be met offline, 2 for a usage error, 3 when the Keeper agent cannot be reached.
`;

async function main(): Promise<number> {
  const cli = parseCli({ name: 'keeper-runas', help: HELP, valueOptions: ['user'] }, process.argv.slice(2));
  if (cli.kind === 'exit') return cli.code;
  const user = cli.values['user'];
  if (!user) {
    sayAs('keeper-runas')('--user NAME is required (use keeper-elevate to run as root)');
    return Exit.usage;
  }
  // Loaded only now: --help and usage errors never evaluate the protocol's schemas.
  const { elevate } = await import('./elevationSession.ts');
  return elevate({
    name: 'keeper-runas',
    socket: cli.values['socket'],
    command: cli.command,
    args: cli.args,
    runAs: user,
    rerun: shellLine(['keeper-runas', '--user', user, cli.command, ...cli.args]),
  });
}

process.exitCode = await main();
