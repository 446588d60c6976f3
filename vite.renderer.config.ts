import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin, type UserConfig } from 'vite';
import { CONTENT_SECURITY_POLICY } from './apps/desktop/src/main/security/contentSecurityPolicy.ts';
import { WINDOW_IDS } from './shared/bridge/src/common/windows.ts';

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

/** Every window's page in one multi-page build; relative asset URLs so file-like hosts work too. */
const config = {
  root: resolve(import.meta.dirname, 'apps'),
  base: './',
  plugins: [react(), windowHead()],
  build: {
    // KEEPER_RENDERER_DIR lets parallel work build and test without emptying each other's output.
    outDir: process.env['KEEPER_RENDERER_DIR'] ?? resolve(import.meta.dirname, 'dist/renderer'),
    emptyOutDir: true,
    target: 'chrome130',
    sourcemap: false,
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: Object.fromEntries(WINDOW_IDS.map((id) => [id, page(id)])),
      output: { chunkFileNames: 'assets/shared-[hash].js', assetFileNames: 'assets/style-[hash][extname]' },
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
