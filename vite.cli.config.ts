import { join, resolve } from 'node:path';
import { defineConfig, type UserConfig } from 'vite';

const projectDir = import.meta.dirname;

/** The CLIs users run, by bin name: each is bundled alone into dist/cli/<name>.mjs. */
export const CLI_ENTRIES = {
  'keeper-elevate': resolve(projectDir, 'apps/run-as/src/keeperElevate.ts'),
  'keeper-runas': resolve(projectDir, 'apps/run-as/src/keeperRunas.ts'),
} as const;
export type CliName = keyof typeof CLI_ENTRIES;

export const CLI_OUT_DIR = resolve(projectDir, 'dist/cli');
export const cliBundlePath = (name: CliName) => join(CLI_OUT_DIR, `${name}.mjs`);

/**
 * The native addon cannot be inlined; it is reached through createRequire from the bundle's folder,
 * i.e. the package's node_modules, exactly as the agent bundle reaches it.
 */
export const CLI_NATIVE_DEPENDENCIES = ['@keeper/peercred'] as const;

/**
 * One CLI as one minified ESM file with no shared chunk: a call to keeper-elevate reads a single
 * file (from Node's compile cache after the first run) instead of resolving and type-stripping the
 * source graph. The bins (apps/run-as/bin) start it.
 */
export function cliConfig(name: CliName): UserConfig {
  return {
    root: projectDir,
    publicDir: false,
    logLevel: 'warn',
    ssr: { target: 'node', noExternal: true, external: [...CLI_NATIVE_DEPENDENCIES] },
    build: {
      ssr: CLI_ENTRIES[name],
      outDir: CLI_OUT_DIR,
      // Both CLIs write into the same folder, one build each.
      emptyOutDir: false,
      target: 'node22',
      minify: true,
      sourcemap: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      rolldownOptions: {
        external: [...CLI_NATIVE_DEPENDENCIES],
        // Building a zod schema has no effect besides its value: the schemas of the method files this
        // CLI does not use (prompts, approvals…) are dropped instead of built at every start. Any
        // `z.…()` call whose result is unused goes too, so zod's settings are made through named imports.
        treeshake: { manualPureFunctions: ['z', 'defineRequest', 'defineNotification'] },
        output: { format: 'es', entryFileNames: `${name}.mjs`, codeSplitting: false },
      },
    },
  };
}

/** `vite build -c vite.cli.config.ts --mode keeper-elevate` (or keeper-runas): see package.json "build:cli". */
export default defineConfig(({ mode }) => {
  if (!(mode in CLI_ENTRIES)) throw new Error(`vite.cli.config.ts: --mode must name a CLI (${Object.keys(CLI_ENTRIES).join(', ')}), not ${mode}`);
  return cliConfig(mode as CliName);
});
