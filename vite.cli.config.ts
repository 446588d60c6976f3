import { join, resolve } from 'node:path';
import { defineConfig, type Plugin, type UserConfig } from 'vite';

const projectDir = import.meta.dirname;

/** The CLIs users run, by bin name: each is bundled alone into dist/cli/<name>.mjs. */
export const CLI_ENTRIES = {
  'keeper-elevate': resolve(projectDir, 'apps/run-as/src/keeperElevate.ts'),
  'keeper-runas': resolve(projectDir, 'apps/run-as/src/keeperRunas.ts'),
  'keeper-edit': resolve(projectDir, 'apps/run-as/src/keeperEdit.ts'),
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
 * Builtins whose ESM namespace costs more than the functions a CLI takes from it: importing `node:fs` or
 * `node:util` as a module evaluates every lazy export (fs.promises with readline and the REPL history,
 * util's diff and colours…), about 30 more internal modules and 4–5 ms of CPU per start; the others' namespaces
 * are smaller but still built for nothing. `process.getBuiltinModule` hands over the plain object instead.
 */
export const CLI_BUILTINS_WITHOUT_NAMESPACE = ['node:fs', 'node:util', 'node:tty', 'node:net', 'node:os', 'node:path', 'node:module'] as const;

/** Rewrites the chunk's static imports of `builtins` into `process.getBuiltinModule` reads (the agent's bundle uses it too). */
export function builtinsWithoutNamespace(builtins: readonly string[]): Plugin {
  const names = builtins.join('|');
  const named = new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*["'](${names})["'];?`, 'g');
  const whole = new RegExp(`import\\s*(?:\\*\\s*as\\s+)?([\\w$]+)\\s*from\\s*["'](${names})["'];?`, 'g');
  return {
    name: 'keeper-cli-builtins-without-namespace',
    renderChunk(code) {
      const rewritten = code
        .replace(
          named,
          (_, specifiers: string, builtin: string) => `const{${specifiers.replace(/\s+as\s+/g, ':')}}=process.getBuiltinModule(${JSON.stringify(builtin)});`,
        )
        .replace(whole, (_, binding: string, builtin: string) => `const ${binding}=process.getBuiltinModule(${JSON.stringify(builtin)});`);
      return rewritten === code ? null : { code: rewritten, map: null };
    },
  };
}

/**
 * Minified with every non-ASCII character escaped (`\u2026`): V8 keeps a script's source in memory, and one
 * character above U+00FF (an ellipsis in a message) makes all of it two bytes per character, 2 MB
 * instead of 1 MB for the agent's bundle. The agent's bundle uses it too.
 */
export const ASCII_MINIFY = { compress: true, mangle: true, codegen: { asciiOnly: true } } as const;

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
    plugins: [builtinsWithoutNamespace(CLI_BUILTINS_WITHOUT_NAMESPACE)],
    ssr: { target: 'node', noExternal: true, external: [...CLI_NATIVE_DEPENDENCIES] },
    build: {
      ssr: CLI_ENTRIES[name],
      outDir: CLI_OUT_DIR,
      // The CLIs write into the same folder, one build each.
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
        output: { format: 'es', entryFileNames: `${name}.mjs`, codeSplitting: false, minify: ASCII_MINIFY },
      },
    },
  };
}

/** `vite build -c vite.cli.config.ts --mode keeper-elevate` (or keeper-runas, keeper-edit): see package.json "build:cli". */
export default defineConfig(({ mode }) => {
  if (!(mode in CLI_ENTRIES)) throw new Error(`vite.cli.config.ts: --mode must name a CLI (${Object.keys(CLI_ENTRIES).join(', ')}), not ${mode}`);
  return cliConfig(mode as CliName);
});
