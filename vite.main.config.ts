import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** The Electron main process as one ESM file; dependencies stay in node_modules (SSR build). */
export default defineConfig({
  build: {
    ssr: resolve(import.meta.dirname, 'apps/desktop/src/main/electronMain.ts'),
    // Forge forces CommonJS unless lib says ES; the entry uses top-level await.
    lib: { entry: resolve(import.meta.dirname, 'apps/desktop/src/main/electronMain.ts'), formats: ['es'], fileName: () => 'index.js' },
    outDir: resolve(import.meta.dirname, 'dist/main'),
    emptyOutDir: true,
    target: 'node22',
    minify: false,
    sourcemap: false,
    rolldownOptions: { external: ['electron'], output: { format: 'es', entryFileNames: 'index.js' } },
  },
});
