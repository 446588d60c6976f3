import { build } from 'vite';
import { CLI_ENTRIES, cliBundlePath, cliConfig, type CliName } from '../../vite.cli.config.ts';

/**
 * Builds the CLI bundles the bins start (dist/cli, as `npm run build:cli` does), so a test of the
 * bundled path never passes by running the source instead. Returns the bundle paths by CLI.
 */
export async function buildCliBundles(): Promise<Record<CliName, string>> {
  const names = Object.keys(CLI_ENTRIES) as CliName[];
  for (const name of names) await build({ configFile: false, ...cliConfig(name) });
  return Object.fromEntries(names.map((name) => [name, cliBundlePath(name)])) as Record<CliName, string>;
}
