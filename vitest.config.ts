import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * One runner for every layer: unit tests sit beside the code, integration and end-to-end tests in
 * tests/. `electron` resolves to the fake at the one seam, because its binary cannot exist here.
 */
export default defineConfig({
  root: import.meta.dirname,
  resolve: { alias: { electron: resolve(import.meta.dirname, 'tests/support/fakeElectron.ts') } },
  test: {
    include: ['apps/**/*.test.{ts,tsx}', 'shared/**/*.test.{ts,tsx}', 'tests/**/*.test.ts'],
    environment: 'node',
    // Inlined so its `import 'electron'` also resolves to the fake.
    server: { deps: { inline: ['electron-ipc-cat'] } },
    // The bins run dist/cli when it is built: rebuilt first when older than its sources.
    globalSetup: ['tests/support/freshCliBundles.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
  },
});
