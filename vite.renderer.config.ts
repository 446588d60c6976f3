import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import { CONTENT_SECURITY_POLICY } from './apps/desktop/src/main/security/contentSecurityPolicy.ts';
import { PROMPT_WINDOWS, WINDOW_IDS } from './shared/protocol/src/common/windows.ts';

/**
 * The head every window shares, written once: the CSP also travels as a meta tag because pages
 * loaded from disk get no headers (frame-ancestors is header-only, so it is left out here).
 */
const windowHead = (): Plugin => ({
  name: 'keeper-window-head',
  transformIndexHtml: () => [
    { tag: 'meta', attrs: { charset: 'UTF-8' }, injectTo: 'head-prepend' },
    { tag: 'meta', attrs: { name: 'viewport', content: 'width=device-width, initial-scale=1' }, injectTo: 'head-prepend' },
    {
      tag: 'meta',
      attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY.replace(/; frame-ancestors '[^']*'/, '') },
      injectTo: 'head-prepend',
    },
    { tag: 'link', attrs: { rel: 'icon', href: 'data:,' }, injectTo: 'head-prepend' },
  ],
});

const page = (id: string) => resolve(import.meta.dirname, 'apps', id, 'src/renderer/index.html');
const pages = (ids: readonly string[]) => Object.fromEntries(ids.map((id) => [id, page(id)]));

/** The build environment of the prompt windows, which run on Preact (below). */
const PROMPTS = 'prompts';
const PROMPT_WINDOW_IDS: readonly string[] = Object.values(PROMPT_WINDOWS);

/**
 * The prompt windows run on Preact through preact/compat: a cold prompt window (the web shell's own
 * Chromium windows, a spare being made) spent more of its start evaluating react-dom (217 KB) than
 * anything else of its own (docs/benchmarks.md, "Cold window, fifth pass"). Only in the prompt
 * windows' build: the other windows and the dev server keep React.
 */
const PREACT: Record<string, string> = {
  react: 'preact/compat',
  'react-dom': 'preact/compat',
  'react-dom/client': 'preact/compat/client',
  'react/jsx-runtime': 'preact/jsx-runtime',
  'react/jsx-dev-runtime': 'preact/jsx-runtime',
};
const preactInPrompts = (): Plugin => ({
  name: 'keeper-preact-in-prompts',
  enforce: 'pre',
  applyToEnvironment: (environment) => environment.name === PROMPTS,
  resolveId(source, importer, options) {
    const target = PREACT[source];
    if (target) return this.resolve(target, importer, { ...options, skipSelf: true });
    // Any other React entry would bring real React into a prompt window's chunks beside Preact.
    if (/^react(-dom)?(\/|$)/.test(source)) this.error(`${source} (from ${importer ?? '?'}) has no Preact alias in vite.renderer.config.ts`);
    return null;
  },
});

/**
 * Every window's page in two multi-page builds into one folder: the prompt windows (Preact) and the
 * others (React); relative asset URLs so file-like hosts work too.
 */
const config = {
  root: resolve(import.meta.dirname, 'apps'),
  base: './',
  plugins: [preactInPrompts(), react(), windowHead()],
  build: {
    // KEEPER_RENDERER_DIR lets parallel work build and test without emptying each other's output.
    outDir: process.env['KEEPER_RENDERER_DIR'] ?? resolve(import.meta.dirname, 'dist/renderer'),
    emptyOutDir: true,
    target: 'chrome130',
    sourcemap: false,
    modulePreload: { polyfill: false },
    rolldownOptions: {
      output: { chunkFileNames: 'assets/shared-[hash].js', assetFileNames: 'assets/style-[hash][extname]' },
    },
  },
  // Each environment names its own pages: a page set at the top would be merged into both.
  environments: {
    client: { build: { rolldownOptions: { input: pages(WINDOW_IDS.filter((id) => !PROMPT_WINDOW_IDS.includes(id))) } } },
    [PROMPTS]: {
      consumer: 'client',
      // Into the same folder, after the others: content-hashed names keep the two apart.
      build: { emptyOutDir: false, rolldownOptions: { input: pages(PROMPT_WINDOW_IDS) } },
    },
  },
  builder: {
    buildApp: async (builder) => {
      await builder.build(builder.environments['client']!);
      await builder.build(builder.environments[PROMPTS]!);
    },
  },
} satisfies UserConfig;

/**
 * A build is a production build whatever NODE_ENV it inherits: Vite keeps a NODE_ENV that is set, and
 * a build started under vitest (NODE_ENV=test) shipped React's development build and development JSX
 * (1.7x the JS per window, slower to start). Set here, before Vite reads it; the dev server is left be.
 */
export default defineConfig(({ command }) => {
  if (command === 'build') process.env['NODE_ENV'] = 'production';
  return config;
});
