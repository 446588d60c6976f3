import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { WINDOW_IDS } from './shared/bridge/src/common/windows.ts';

const page = (id: string) => resolve(import.meta.dirname, 'apps', id, 'src/renderer/index.html');

/** Every window's page in one multi-page build; relative asset URLs so file-like hosts work too. */
export default defineConfig({
  root: resolve(import.meta.dirname, 'apps'),
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(import.meta.dirname, 'dist/renderer'),
    emptyOutDir: true,
    target: 'chrome130',
    sourcemap: false,
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: Object.fromEntries(WINDOW_IDS.map((id) => [id, page(id)])),
      output: { chunkFileNames: 'assets/shared-[hash].js', assetFileNames: 'assets/[name]-[hash][extname]' },
    },
  },
});
