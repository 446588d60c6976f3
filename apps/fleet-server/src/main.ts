import { runCli } from './cli/commands.ts';

process.exitCode = await runCli(
  process.argv.slice(2),
  (line) => process.stdout.write(`${line}\n`),
  (line) => process.stderr.write(`${line}\n`),
);
