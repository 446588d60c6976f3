import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, normalizePath, type Plugin } from 'vite';
import { ASCII_MINIFY, builtinsWithoutNamespace } from './vite.cli.config.ts';
import { buildAgentSnapshot, type AgentSnapshotSources } from './agent-snapshot.config.ts';

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
 * Builtins the agent imports whose ESM namespace evaluates lazy exports it never uses: `node:http`'s
 * alone loads undici (fetch, WebSocket: ~110 internal modules); fs, util, crypto and child_process
 * 35–40 each. Read with `process.getBuiltinModule` instead (see vite.cli.config.ts).
 */
export const AGENT_BUILTINS_WITHOUT_NAMESPACE = ['node:fs', 'node:util', 'node:http', 'node:https', 'node:crypto', 'node:child_process'] as const;

/**
 * pino loads worker_threads and assert at its first import (its transports' thread-stream, one
 * isMainThread check, one assert in sonic-boom), ~1 MB resident and a few ms of builtins compiled at
 * every start, for transports the agent never uses (it logs synchronously to stderr). Each becomes a
 * require at the one place that uses it. Exact texts of the installed versions: the build fails if one
 * is gone (a pino upgrade), rather than shipping the eager requires silently.
 */
const PINO_LAZY_REQUIRES: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  'pino/lib/transport.js': [
    ["const ThreadStream = require('thread-stream')", "const ThreadStream = function (options) { return new (require('thread-stream'))(options) }"],
  ],
  'pino/lib/tools.js': [
    ["const { isMainThread } = require('worker_threads')", ''],
    ['if (!opts.sync && isMainThread) {', "if (!opts.sync && require('worker_threads').isMainThread) {"],
  ],
  'sonic-boom/index.js': [["const assert = require('assert')", "const assert = (value, message) => require('assert')(value, message)"]],
};

/** A module-level declaration requiring one of the modules PINO_LAZY_REQUIRES defers. */
const EAGER_REQUIRE = /^(?:const|let|var)\b[^\n]*=\s*require\('(?:thread-stream|worker_threads|assert)'\)/m;

function pinoLazyRequires(): Plugin {
  const seen = new Set<string>();
  return {
    name: 'keeper:pino-lazy-requires',
    buildStart() {
      seen.clear();
    },
    transform(code, id) {
      const file = Object.keys(PINO_LAZY_REQUIRES).find((name) => normalizePath(id).endsWith(`/node_modules/${name}`));
      if (!file) return null;
      let out = code;
      for (const [from, to] of PINO_LAZY_REQUIRES[file]!) {
        // Exactly once: a second use (a pino upgrade) would stay eager, or name what was removed.
        if (out.split(from).length !== 2) this.error(`vite.agent.config.ts: ${file} must have ${JSON.stringify(from)} exactly once`);
        out = out.replace(from, to);
      }
      // Nothing left that needs what was made lazy: no eager declaration, no bare isMainThread.
      if (EAGER_REQUIRE.test(out) || /(?<!\.)\bisMainThread\b/.test(out)) this.error(`vite.agent.config.ts: ${file} still loads at import what is made lazy`);
      seen.add(file);
      return { code: out, map: null };
    },
    buildEnd(error) {
      const missed = Object.keys(PINO_LAZY_REQUIRES).filter((file) => !seen.has(file));
      if (!error && missed.length > 0) this.error(`vite.agent.config.ts: ${missed.join(', ')} not part of the agent bundle`);
    },
  };
}

/** Beside the bundle: the project files it was built from (paths from the project folder), for apps/agent-service/bin/startAgentBin.js. */
export const AGENT_SOURCES_MANIFEST = 'keeper-agent.sources.json';

/**
 * Writes AGENT_SOURCES_MANIFEST. The bin runs the bundle only while none of these files is newer than
 * it: statting the ~150 files the bundle was made of costs about 1 ms, where walking the source folders
 * to find them costs 20 ms at every start.
 */
function agentSourcesManifest(): Plugin {
  return {
    name: 'keeper:agent-sources-manifest',
    generateBundle() {
      const sources = [...this.getModuleIds()]
        .map((id) => normalizePath(id.split('?')[0] ?? id))
        .filter((id) => id.startsWith(`${normalizePath(projectDir)}/`) && !id.includes('/node_modules/'))
        .map((id) => id.slice(normalizePath(projectDir).length + 1))
        .sort();
      this.emitFile({ type: 'asset', fileName: AGENT_SOURCES_MANIFEST, source: `${JSON.stringify(sources, null, 1)}\n` });
    },
  };
}

/** Lets runtime/agentBundle.ts tell the built agent (bundle or snapshot) from the source tree. */
const AGENT_DEFINE = { __KEEPER_AGENT_BUNDLE__: 'true' };

/** The snapshot is built from the same sources as the bundle, with the same source-changing plugins. */
export function agentSnapshotSources(): AgentSnapshotSources {
  return { plugins: [inlineAgentVersion(), pinoLazyRequires()], nativeDependencies: AGENT_NATIVE_DEPENDENCIES, define: AGENT_DEFINE };
}

/**
 * After the bundle, the installed service's startup snapshot beside it (agent-snapshot.config.ts): built from
 * the same sources with the same source-changing plugins, so the bundle and the blob never disagree.
 */
function agentStartupSnapshot(): Plugin {
  let outDir = '';
  return {
    name: 'keeper:agent-startup-snapshot',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    async closeBundle(error) {
      // Only the Linux unit runs the blob so far (the launchd and Windows services start the bundle).
      if (error || process.platform !== 'linux') return;
      await buildAgentSnapshot({ ...agentSnapshotSources(), version, outDir });
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
  plugins: [
    inlineAgentVersion(),
    agentSourcesManifest(),
    pinoLazyRequires(),
    builtinsWithoutNamespace(AGENT_BUILTINS_WITHOUT_NAMESPACE),
    agentStartupSnapshot(),
  ],
  // Lets runtime/agentBundle.ts tell the shipped bundle (resources/agent/, beside policies/ and jobs/) from the
  // source tree (repo resources/); it must test `typeof __KEEPER_AGENT_BUNDLE__` as nothing defines it there.
  define: AGENT_DEFINE,
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
    // Minified: fewer bytes to read and compile at every start (the bins add Node's compile cache).
    minify: true,
    sourcemap: false,
    copyPublicDir: false,
    reportCompressedSize: false,
    rolldownOptions: {
      external: [...AGENT_NATIVE_DEPENDENCIES],
      output: { format: 'es', entryFileNames: 'keeper-agent.mjs', codeSplitting: false, minify: ASCII_MINIFY },
    },
  },
});
