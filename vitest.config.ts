import { resolve } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

/** Unit tests sit beside the code; every other tier has its folder under tests/. */
const UNIT = ['apps/**/*.test.{ts,tsx}', 'shared/**/*.test.{ts,tsx}'];
const PACKAGING = 'tests/packaging/**/*.test.ts';
/**
 * Beside the code but not unit tests: they start real processes (as other users, or job tasks) or
 * read the machine's real accounts, so they run with the integration tier.
 */
const COLOCATED_INTEGRATION = [
  'apps/agent-service/src/ipc/peerIdentity.test.ts',
  'apps/agent-service/src/identity/accounts.test.ts',
  'apps/agent-service/src/identity/agenticFacts.test.ts',
  'apps/agent-service/src/identity/desktopSessions.test.ts',
  'apps/agent-service/src/jobs/jobEngine.test.ts',
];
/** The bins run dist/cli when it is built: rebuilt first when older than its sources. */
const FRESH_CLI_BUNDLES = ['tests/support/freshCliBundles.ts'];

/**
 * One runner, one project per tier (docs/architecture.md; CONTRIBUTING.md, "Tests"):
 * `npm run test:<name>` runs one, `npm test` all of them. `electron` resolves to the fake at the one
 * seam, because its binary cannot exist here.
 */
export default defineConfig({
  root: import.meta.dirname,
  resolve: { alias: { electron: resolve(import.meta.dirname, 'tests/support/fakeElectron.ts') } },
  test: {
    environment: 'node',
    // Inlined so its `import 'electron'` also resolves to the fake.
    server: { deps: { inline: ['electron-ipc-cat'] } },
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for something a real process does (a log line, a state reached): vitest's default of 1 s
    // failed on a loaded CI machine with nothing wrong (tests/security/agentElevatedSession.test.ts). A poll that
    // passes returns at once, so the room costs nothing.
    expect: { poll: { timeout: 15_000 } },
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      // Unit files share one module graph per worker (isolate: false): a fresh fork per file spent most of the
      // tier importing vitest and the code again. No unit test mocks modules or stubs globals (vi.mock, vi.stubGlobal).
      {
        extends: true,
        test: { name: 'unit', include: UNIT, exclude: [...configDefaults.exclude, ...COLOCATED_INTEGRATION], isolate: false },
      },
      // The lint rules of eslint.config.js, each proven to bite, and the whole tree linted for them.
      { extends: true, test: { name: 'lint', include: ['tests/lint/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts', 'tests/security/**/*.test.ts', 'tests/fleet/**/*.test.ts', ...COLOCATED_INTEGRATION],
          globalSetup: FRESH_CLI_BUNDLES,
        },
      },
      { extends: true, test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'], globalSetup: FRESH_CLI_BUNDLES } },
      {
        extends: true,
        test: {
          name: 'stress',
          include: ['tests/stress/**/*.test.ts'],
          globalSetup: FRESH_CLI_BUNDLES,
          // A fixed seed, so a CI failure replays exactly; FUZZ_SEED=<n> (or a random one) to explore.
          env: { FUZZ_SEED: process.env['FUZZ_SEED'] ?? '20261207' },
        },
      },
      { extends: true, test: { name: 'packaging', include: [PACKAGING] } },
      // Every bench in bench/ at a small size, so one that rots fails CI; one after another (they measure, some hold ports).
      { extends: true, test: { name: 'bench', include: ['tests/bench/**/*.test.ts'], globalSetup: FRESH_CLI_BUNDLES, fileParallelism: false } },
    ],
  },
});
