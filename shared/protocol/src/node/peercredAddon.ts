import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Peercred from '@keeper/peercred';

export type PeercredAddon = Partial<typeof Peercred>;

let loaded: PeercredAddon | null | undefined;

/** The package's own entry (index.cjs) loads this file. */
const ADDON_FILE = join('build', 'Release', 'peercred.node');

/**
 * The project's native addon (`@keeper/peercred`), loaded once; null where it is not built (Windows, a
 * failed install). Every function may be missing (an addon built before it had it): callers check the
 * one they use and say what they do without it.
 */
export function peercredAddon(): PeercredAddon | null {
  if (loaded === undefined) loaded = openAddonFile() ?? requireAddon();
  return loaded;
}

/**
 * The addon file of the package `require` would pick (the first node_modules folder above this module that
 * holds it), opened with process.dlopen: loading the package through `require` (its package.json, index.cjs, the
 * CommonJS loader's first use) took 1.6-2.8 ms of each keeper-elevate call, this 0.5-0.75. Null where that
 * package has no such file or it cannot be opened so (an Electron asar archive): `require` loads it then.
 */
function openAddonFile(): PeercredAddon | null {
  try {
    const { existsSync } = process.getBuiltinModule('node:fs');
    const folder = (createRequire(import.meta.url).resolve.paths('@keeper/peercred') ?? [])
      .map((modules) => join(modules, '@keeper', 'peercred'))
      .find((candidate) => existsSync(join(candidate, 'package.json')));
    if (folder === undefined || !existsSync(join(folder, ADDON_FILE))) return null;
    const module = { exports: {} as PeercredAddon };
    process.dlopen(module, join(folder, ADDON_FILE));
    return module.exports;
  } catch {
    return null;
  }
}

function requireAddon(): PeercredAddon | null {
  try {
    return createRequire(import.meta.url)('@keeper/peercred') as PeercredAddon;
  } catch {
    return null;
  }
}
