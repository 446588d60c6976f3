import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Electron binary, if this machine has one. Electron's npm package only downloads it on first
 * use, so the check reads the package's own marker file instead of `require('electron')`, which
 * would start that download.
 */
export function findElectronRuntime(projectDir: string): string | null {
  const packageDir = join(projectDir, 'node_modules', 'electron');
  const marker = join(packageDir, 'path.txt');
  if (!existsSync(marker)) return null;
  const binary = join(packageDir, 'dist', readFileSync(marker, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}
