import { resolve } from 'node:path';
import { build } from 'vite';
import { WINDOW_IDS } from '../../../shared/bridge/src/common/windows.ts';

const projectDir = resolve(import.meta.dirname, '../../..');

/**
 * A sandboxed preload can only `require('electron')` and a few builtins, never a shared chunk, so
 * each window's preload is bundled alone into one CommonJS file.
 */
for (const [index, id] of WINDOW_IDS.entries()) {
  await build({
    configFile: false,
    logLevel: 'warn',
    define: { __KEEPER_WINDOW_ID__: JSON.stringify(id) },
    build: {
      outDir: resolve(projectDir, 'dist/preload'),
      emptyOutDir: index === 0,
      target: 'node22',
      minify: false,
      lib: { entry: resolve(projectDir, 'apps/desktop/src/preload/windowPreload.ts'), formats: ['cjs'], fileName: () => `${id}.cjs` },
      rolldownOptions: { external: ['electron'] },
    },
  });
}
