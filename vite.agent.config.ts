import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, normalizePath, type Plugin } from 'vite';

const projectDir = import.meta.dirname;
const AGENT_ENTRY = resolve(projectDir, 'apps/agent-service/src/main.ts');
const VERSION_MODULE = normalizePath(resolve(projectDir, 'apps/agent-service/src/version.ts'));
const { version } = JSON.parse(readFileSync(resolve(projectDir, 'package.json'), 'utf8')) as { version: string };

/**
 * Native addons stay outside the bundle: a `.node` file cannot be inlined, so they are shipped
 * beside it (resources/agent/node_modules in the installers) and resolved by Node at run time.
 * `@keeper/peercred` is loaded through createRequire, which the bundler leaves alone anyway; it
 * is listed so that a future static import cannot pull it in either.
 */
export const AGENT_NATIVE_DEPENDENCIES = ['better-sqlite3', '@keeper/peercred'] as const;

/**
 * version.ts reads package.json relative to its own source file, a path that does not exist next
 * to the bundle. The shipped agent gets the version fixed at build time instead; the build fails
 * if the module was never seen (renamed or moved), so the file-reading code cannot ship silently.
 */
function inlineAgentVersion(): Plugin {
  let replaced = false;
  return {
    name: 'keeper:inline-agent-version',
    enforce: 'pre',
    buildStart() {
      replaced = false;
    },
    load(id) {
      if (normalizePath(id.split('?')[0] ?? id) !== VERSION_MODULE) return null;
      replaced = true;
      return `export const AGENT_VERSION = ${JSON.stringify(version)};\n`;
    },
    buildEnd(error) {
      if (!error && !replaced) this.error(`vite.agent.config.ts: ${VERSION_MODULE} was not part of the agent bundle`);
    },
  };
}

/**
 * The local agent as one ESM file for the installers: dist/agent/keeper-agent.mjs, run by the Node 24
 * binary shipped beside it (never by Electron as node). Pure-JS dependencies (zod, vscode-jsonrpc,
 * pino with its synchronous destination: no worker-thread transport is used) are bundled in.
 */
export default defineConfig({
  root: projectDir,
  publicDir: false,
  logLevel: 'warn',
  plugins: [inlineAgentVersion()],
  // Lets options.ts tell the shipped bundle (resources/agent/, beside policies/ and jobs/) from the
  // source tree (repo resources/); it must test `typeof __KEEPER_AGENT_BUNDLE__` as nothing defines it there.
  define: { __KEEPER_AGENT_BUNDLE__: 'true' },
  ssr: {
    target: 'node',
    noExternal: true,
    external: [...AGENT_NATIVE_DEPENDENCIES],
  },
  build: {
    ssr: AGENT_ENTRY,
    outDir: resolve(projectDir, 'dist/agent'),
    emptyOutDir: true,
    target: 'node22',
    minify: false,
    sourcemap: false,
    copyPublicDir: false,
    reportCompressedSize: false,
    rolldownOptions: {
      external: [...AGENT_NATIVE_DEPENDENCIES],
      output: { format: 'es', entryFileNames: 'keeper-agent.mjs', codeSplitting: false },
    },
  },
});
