import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const projectDir = import.meta.dirname;
const DEFAULT_PRELOAD = resolve(projectDir, 'apps/desktop/src/preload/windowPreload.ts');
/** The window `electron-forge start` opens first; the others' preloads come from `npm run build`. */
const FORGE_WINDOW = 'keeper-agent';

/** What Electron Forge's Vite plugin passes to a function config: the build entry it is running. */
interface ForgeBuildEnv {
  readonly forgeConfigSelf?: { readonly entry?: unknown };
}

/**
 * One window's preload as one CommonJS file, for Electron Forge's Vite plugin (`target: 'preload'`).
 * Same settings as apps/desktop/scripts/buildPreloads.ts, which builds every window's preload for
 * `npm run build`: a sandboxed preload can `require` only `electron` and a few builtins, so nothing
 * but `electron` stays external and there is no shared chunk. The output lands where the main
 * process looks for it: dist/preload/<window>.cjs.
 */
export default defineConfig((env) => {
  const forgeEntry = (env as ForgeBuildEnv).forgeConfigSelf?.entry;
  const entry = typeof forgeEntry === 'string' ? resolve(projectDir, forgeEntry) : DEFAULT_PRELOAD;
  return {
    root: projectDir,
    publicDir: false,
    define: { __KEEPER_WINDOW_ID__: JSON.stringify(FORGE_WINDOW) },
    build: {
      outDir: resolve(projectDir, 'dist/preload'),
      emptyOutDir: false,
      target: 'node22',
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      lib: { entry, formats: ['cjs'], fileName: () => `${FORGE_WINDOW}.cjs` },
      rolldownOptions: {
        input: entry,
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: `${FORGE_WINDOW}.cjs`, codeSplitting: false },
      },
    },
  };
});
