import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import importX from 'eslint-plugin-import-x';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/**
 * Lint for the whole repository: typed linting for every .ts/.tsx file (each runtime has its own
 * tsconfig; there is no root tsconfig.json on purpose), no import cycles, and the import boundaries of
 * docs/architecture.md ("Import rules"), enforced with eslint-plugin-boundaries instead of comments.
 *
 * How the boundaries policy reads (eslint-plugin-boundaries 7):
 * - `default: 'disallow'` + `checkAllOrigins: true`: every import — project file, npm package or Node
 *   builtin — must be allowed by a policy. Without checkAllOrigins npm/builtin imports are never checked.
 * - The LAST matching policy wins (within one policy, disallow beats allow), so the explicit bans
 *   come after the allows, and the "tests and tooling may import anything" policy comes last of all.
 * - Imports inside one element (e.g. one renderer app, one shared package folder) are not checked.
 * - Imports of project files that belong to no element are errors (checkUnknownLocals), and so is a
 *   linted file that belongs to no element (no-unknown-files).
 * - `import type` counts as a dependency, and so do re-exports and dynamic `import()`.
 * Don't add per-file exemptions; if a file needs something new, change the element's policy.
 */

/* ---------------------------------------------------------------------------------------------- */
/* Elements: the runtime is in the folder name.                                                    */
/* ---------------------------------------------------------------------------------------------- */

const el = (type, pattern, extra = {}) => ({ type, pattern, partialMatch: false, ...extra });

const ELEMENTS = [
  // Free to import anything (see the last policy).
  el('tests', 'tests'),
  el('tests', 'bench'),
  el('tooling', 'apps/desktop/scripts'),
  el('tooling', 'shared/protocol/scripts'),
  // Renderer windows: one element per app, so apps can't import each other.
  el('renderer-app', 'apps/keeper-*/src/renderer', { capture: ['app'] }),
  // Electron main process and its launcher (plain Node that can also host the web shell).
  el('desktop-main', 'apps/desktop/src/main'),
  el('desktop-main', 'apps/desktop/src/launcher'),
  el('preload', 'apps/desktop/src/preload'),
  // Node programs: the local agent (src, bin, native addon) and the run-as CLIs.
  el('agent', 'apps/agent-service'),
  el('cli', 'apps/run-as'),
  // The fleet server (keeper-fleet): a Node service; it reuses the agent's policy/job formats only.
  el('fleet-server', 'apps/fleet-server'),
  // Shared packages, one element per runtime folder.
  el('protocol-common', 'shared/protocol/src/common'),
  el('protocol-node', 'shared/protocol/src/node'),
  el('bridge-common', 'shared/bridge/src/common'),
  el('bridge-main', 'shared/bridge/src/main'),
  el('preload', 'shared/bridge/src/preload'),
  el('bridge-renderer', 'shared/bridge/src/renderer'),
  el('ui', 'shared/ui'),
  el('i18n', 'shared/i18n'),
];

/** Colocated unit tests and root build/tool configs: free to import anything. */
const FILES = [
  { category: 'test', pattern: '**/*.test.{ts,tsx}' },
  { category: 'config', pattern: '*.config.{ts,js}' },
  // The agent's file formats and audit sinks, which the fleet server validates and forwards with.
  { category: 'agent-formats', pattern: 'apps/agent-service/src/{policy,jobs,config,audit}/**' },
  // Signed offline approvals: the agent checks, the fleet server issues, the same codes.
  { category: 'offline-codes', pattern: 'shared/protocol/src/node/offlineApprovalCode.ts' },
];

/* ---------------------------------------------------------------------------------------------- */
/* Selectors                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

/** Policy side: files of these element types. */
const from = (...types) => ({ from: { element: { types: { anyOf: types } } } });
/** Target: project files of these element types. */
const toElements = (...types) => ({ to: { element: { types: { anyOf: types } } } });
/** Target: any npm package (`external`) and/or Node builtin (`core`). */
const toOrigins = (...origins) => ({ to: { module: { origin: origins } } });
/** Target: imports whose specifier matches one of these micromatch patterns (e.g. 'react-dom/client'). */
const toSources = (...sources) => ({ dependency: { source: sources } });
/** Any target at all. */
const anything = toOrigins('local', 'external', 'core');

const RENDERER = ['renderer-app', 'ui', 'i18n', 'bridge-renderer'];
const NODE_PROGRAMS = ['agent', 'cli'];
const MAIN_PROCESS = ['desktop-main', 'bridge-main'];

/** npm packages a renderer (and shared/ui, shared/i18n, bridge renderer side) may use. */
const RENDERER_PACKAGES = [
  'react',
  'react/jsx-runtime',
  'react-dom',
  'react-dom/client',
  'react-i18next',
  'i18next',
  'zustand',
  'zustand/*',
  'zod',
  'zod/*',
  '@tanstack/react-virtual',
];
/** What a preload (apps/desktop/src/preload, shared/bridge/src/preload) may use. */
const PRELOAD_PACKAGES = ['electron', 'electron-ipc-cat/client', 'electron-ipc-cat/common', 'rxjs', 'rxjs/*'];

/** Never in a renderer: Node, sockets, the main process, the agent's storage and logging. */
const RENDERER_BANNED = [
  'node:*',
  'electron',
  'electron/*',
  'electron-ipc-cat',
  'electron-ipc-cat/*',
  'ws',
  'vscode-jsonrpc',
  'vscode-jsonrpc/*',
  'better-sqlite3',
  'pino',
  'pino/*',
];
/** Never in Node processes outside Electron: UI libraries and Electron itself. */
const UI_AND_ELECTRON = [
  'react',
  'react/*',
  'react-dom',
  'react-dom/*',
  'react-i18next',
  'zustand', // the root entry is the React hook; zustand/vanilla stays usable
  'zustand/react',
  'zustand/react/*',
  'zustand/traditional',
  'electron',
  'electron/*',
  'electron-ipc-cat',
  'electron-ipc-cat/*',
];

const boundaryPolicies = [
  // --- Renderer side -----------------------------------------------------------------------------
  {
    ...from(...RENDERER),
    allow: [toElements('ui', 'i18n', 'bridge-common', 'bridge-renderer', 'protocol-common'), toSources(...RENDERER_PACKAGES)],
  },

  // --- Preload ------------------------------------------------------------------------------------
  { ...from('preload'), allow: [toElements('bridge-common', 'preload'), toSources(...PRELOAD_PACKAGES)] },

  // --- Electron main process (+ launcher) and the bridge's main side --------------------------------
  {
    ...from('desktop-main'),
    allow: [
      // i18n: main words the native tray menu and its toasts from the windows' locale files.
      toElements('desktop-main', 'bridge-common', 'bridge-main', 'protocol-common', 'protocol-node', 'i18n'),
      toOrigins('external', 'core'),
    ],
  },
  {
    ...from('bridge-main'),
    allow: [toElements('bridge-common', 'protocol-common', 'protocol-node'), toOrigins('external', 'core')],
  },

  // --- Agent and CLIs -------------------------------------------------------------------------------
  { ...from(...NODE_PROGRAMS), allow: [toElements('protocol-common', 'protocol-node'), toOrigins('external', 'core')] },
  {
    ...from('fleet-server'),
    allow: [toElements('protocol-common'), { to: { file: { categories: { anyOf: ['agent-formats', 'offline-codes'] } } } }, toOrigins('external', 'core')],
  },

  // --- Protocol and bridge contracts ----------------------------------------------------------------
  { ...from('protocol-common'), allow: toSources('zod', 'zod/*') },
  { ...from('protocol-node'), allow: [toElements('protocol-common'), toOrigins('external', 'core')] },
  { ...from('bridge-common'), allow: [toElements('protocol-common'), toSources('zod', 'zod/*', 'electron-ipc-cat/common')] },

  // --- Bans (last matching policy wins, so these come after the allows) -----------------------------
  {
    ...from(...RENDERER),
    disallow: [toOrigins('core'), toSources(...RENDERER_BANNED)],
    message: "Renderer code never touches Node, Electron, sockets or the agent's storage: go through shared/bridge (renderer side).",
  },
  {
    ...from('preload'),
    disallow: [toOrigins('core'), toSources('node:*')],
    message: 'A sandboxed preload has no Node builtins: only electron, electron-ipc-cat and rxjs.',
  },
  {
    ...from('protocol-common', 'bridge-common'),
    disallow: [toOrigins('core'), toSources('node:*', 'electron', 'electron/*')],
    message: 'common/ code is runtime-neutral: no Node builtins and no Electron (use the node/ or main/ folder).',
  },
  {
    ...from(...NODE_PROGRAMS, 'protocol-node', 'fleet-server'),
    disallow: toSources(...UI_AND_ELECTRON),
    message: 'The agent, the CLIs and the fleet server never import React or Electron.',
  },
  {
    ...from(...MAIN_PROCESS),
    disallow: toSources('react', 'react/*', 'react-dom', 'react-dom/*', 'react-i18next', 'zustand', 'zustand/react', 'zustand/react/*'),
    message: 'The main process never imports React: views live in the renderer apps.',
  },

  // --- Tests, benchmarks, tooling and config files import anything ------------------------------------
  { from: [{ element: { types: { anyOf: ['tests', 'tooling'] } } }, { file: { categories: { anyOf: ['test', 'config'] } } }], allow: anything },
];

/** Import order: builtin, then npm packages, then project files (`eslint --fix` puts them so). */
const IMPORT_ORDER = 'error';

export default defineConfig(
  {
    name: 'keeper/ignores',
    ignores: [
      '**/node_modules/',
      '**/dist/',
      '**/release/',
      '**/.vite/',
      '**/test-results/',
      '**/out/',
      '**/coverage/',
      'apps/agent-service/native/**/build/',
      // Plain JavaScript (the native addon's CommonJS shims, build output) is not linted; the
      // agent's launcher is the one exception.
      '**/*.{js,cjs,mjs}',
      '!apps/agent-service/bin/*.js',
      '!apps/fleet-server/bin/keeper-fleet.js',
      '!apps/run-as/bin/*.js',
    ],
  },

  {
    name: 'keeper/javascript',
    files: ['**/*.{js,ts,tsx}'],
    extends: [js.configs.recommended],
  },

  // The agent's launcher: plain JS on purpose (an old Node must parse it), linted without type info.
  {
    name: 'keeper/agent-bin',
    files: ['apps/agent-service/bin/*.js', 'apps/fleet-server/bin/keeper-fleet.js', 'apps/run-as/bin/*.js'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },

  {
    name: 'keeper/typescript',
    files: ['**/*.{ts,tsx}'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // One tsconfig per runtime; a file is typed by the first one that includes it.
        project: ['./tsconfig.node.json', './tsconfig.web.json', './tsconfig.preload.json', './tsconfig.e2e.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },

  {
    // No import cycles, type-only ones included (those are checked by tests/lint/importCycles.test.ts,
    // since import-x skips `import type`). The exemption list is empty and stays empty: break a cycle
    // by moving the shared type or function into a small module both sides import.
    name: 'keeper/imports',
    files: ['**/*.{js,ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.json'] })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/order': [IMPORT_ORDER, { groups: ['builtin', 'external', ['internal', 'parent', 'sibling', 'index']], 'newlines-between': 'never' }],
    },
  },

  {
    // Inside the agent, flags and the config file are the command line's business: services get
    // their settings handed in (runtime/agentRuntime.ts), and `*Command.ts` subcommands may read
    // the defaults. So domain code never imports cli/. Protocol handlers are wired by the composition
    // root and the feature modules it creates (`<folder>/<name>Feature.ts`), never by a service
    // (tests/lint/agentLayers.test.ts).
    name: 'keeper/agent-layers',
    files: ['apps/agent-service/src/*/**/*.ts'],
    ignores: ['apps/agent-service/src/runtime/**', 'apps/agent-service/src/cli/**', 'apps/agent-service/src/**/*Command.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/cli/*'], message: 'Agent services take their settings as arguments; only runtime/ and *Command.ts read cli/.' },
            {
              group: ['**/handlers/*'],
              message: 'Protocol handlers are registered by the composition root (runtime/) and the feature modules (*Feature.ts) only.',
            },
          ],
        },
      ],
    },
  },

  {
    // A feature module builds its feature's handlers, but takes its settings handed in like any service.
    name: 'keeper/agent-features',
    files: ['apps/agent-service/src/*/**/*Feature.ts'],
    ignores: ['apps/agent-service/src/runtime/**', 'apps/agent-service/src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/cli/*'], message: 'Agent services take their settings as arguments; only runtime/ and *Command.ts read cli/.' }] },
      ],
    },
  },

  {
    name: 'keeper/boundaries',
    files: ['**/*.{js,ts,tsx}'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js', '.json'] } },
      'boundaries/elements': ELEMENTS,
      'boundaries/files': FILES,
      'boundaries/dependency-nodes': ['import', 'export', 'dynamic-import'],
    },
    rules: {
      'boundaries/dependencies': ['error', { default: 'disallow', checkAllOrigins: true, checkUnknownLocals: true, policies: boundaryPolicies }],
      // The plugin skips files outside every element, so a file in a new folder with no runtime would
      // escape the policy: make such a file an error instead ("no folder without a runtime").
      'boundaries/no-unknown-files': 'error',
    },
  },
);
