import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLI_ENTRIES, cliBundlePath, type CliName } from '../../vite.cli.config.ts';
import { PROJECT_DIR } from './agentProcess.ts';
import { buildCliBundles } from './cliBundles.ts';

/** What the CLI bundles are built from (apps/run-as and the protocol it speaks). */
const SOURCES = ['apps/run-as/src', 'shared/protocol/src'];

function newestSourceMs(): number {
  let newest = 0;
  for (const root of SOURCES) {
    for (const file of readdirSync(join(PROJECT_DIR, root), { recursive: true, encoding: 'utf8' })) {
      if (file.endsWith('.ts')) newest = Math.max(newest, statSync(join(PROJECT_DIR, root, file)).mtimeMs);
    }
  }
  return newest;
}

/**
 * vitest global setup: the bins run dist/cli when it exists, so a bundle older than its sources
 * would make the tests of keeper-elevate, keeper-runas and keeper-edit test yesterday's code. Rebuilds them
 * (about 3 s) only then; a checkout with no bundle keeps running the source, as the bins do.
 */
export default async function freshCliBundles(): Promise<void> {
  const bundles = (Object.keys(CLI_ENTRIES) as CliName[]).map(cliBundlePath);
  if (!bundles.some((bundle) => existsSync(bundle))) return;
  const oldest = Math.min(...bundles.map((bundle) => (existsSync(bundle) ? statSync(bundle).mtimeMs : 0)));
  if (oldest < newestSourceMs()) await buildCliBundles();
}
