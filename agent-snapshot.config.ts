import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build, normalizePath, type Plugin } from 'vite';
import { ASCII_MINIFY } from './vite.cli.config.ts';

/**
 * The installed agent's V8 startup snapshot (issue 17): `node --snapshot-blob keeper-agent.blob ARGS` starts
 * with every module the service needs already evaluated (the protocol's zod schemas, the policy, job and store
 * modules, zod, pino, yaml), so neither the bundle's compilation nor the module bodies run at each start.
 * vite.agent.config.ts calls buildAgentSnapshot after the bundle: a CommonJS build of
 * apps/agent-service/src/runtime/snapshotEntry.ts, then the blob from it by the Node binary the installers ship.
 */

const projectDir = import.meta.dirname;
const SNAPSHOT_ENTRY = resolve(projectDir, 'apps/agent-service/src/runtime/snapshotEntry.ts');
const SNAPSHOT_LOCATION = normalizePath(resolve(projectDir, 'apps/agent-service/src/runtime/snapshotLocation.ts'));

/** The CommonJS build the blob is made from (in a temporary folder: it does not ship). */
const SNAPSHOT_SCRIPT = 'keeper-agent-snapshot.cjs';

/**
 * The blob keeps V8's code for the functions it holds (Node's default): 10.5 MB instead of 5.3, ~20 ms less to the
 * first answer at load 5-8 for ~4 MB more resident (docs/benchmarks.md, issue 17, fifth pass). True trades back.
 */
const SNAPSHOT_WITHOUT_CODE_CACHE = false;

/** Node's snapshot settings (`--build-snapshot-config`), written beside the script. */
const SNAPSHOT_CONFIG = 'keeper-agent-snapshot.json';

/** Beside keeper-agent.mjs in dist/agent and in the installers (resources/agent/). */
export const AGENT_SNAPSHOT_BLOB = 'keeper-agent.blob';

/** The binary electron-builder.yml ships as resources/agent/node: a blob starts only on the Node that built it. */
export const SHIPPED_NODE = resolve(projectDir, 'node_modules/node/bin', process.platform === 'win32' ? 'node.exe' : 'node');

/**
 * Builtins whose state Node does not carry through a user snapshot (it warns at build time, and
 * `process.getBuiltinModule` of one aborts the build): the snapshot loads each on first use instead, through
 * an object that reads the real module then. The modules use their members only (rolldown's CommonJS output
 * reads `node_http.createServer` where it is called), never the object itself. A builtin missing here makes
 * the build fail with Node's warning, naming it.
 */
export const SNAPSHOT_DEFERRED_BUILTINS = ['http', 'https', 'child_process', 'module', 'dgram', 'worker_threads', 'tls', 'inspector', 'readline'] as const;

/**
 * The builtins the service loads after its start (net's listen loads cluster, with child_process and dgram, and dns;
 * the health server http; the jobs spawn with child_process): the only ones whose code cache the blob keeps. Node writes
 * one for every builtin (~390, 3.8 MB), reads and copies all of them at every start and keeps them resident, though
 * a builtin the snapshot already holds never compiles again: 3.6 MB less resident, ~12 ms less to the first answer
 * (docs/benchmarks.md, issue 17, seventh pass). A builtin loaded later that is not listed is compiled from its
 * source once, as without a cache. tests/integration/agentSnapshotCodeCache.test.ts checks the list against a start.
 */
export const SNAPSHOT_CODE_CACHE_BUILTINS = [
  'child_process',
  'internal/child_process',
  'internal/socket_list',
  'dgram',
  'internal/dgram',
  'cluster',
  'internal/cluster/primary',
  'internal/cluster/worker',
  'internal/cluster/utils',
  'internal/cluster/round_robin_handle',
  'internal/cluster/shared_handle',
  'dns',
  'internal/dns/callback_resolver',
  'http',
  'internal/http',
  '_http_agent',
  '_http_client',
  '_http_common',
  '_http_incoming',
  '_http_outgoing',
  '_http_server',
  'internal/freelist',
] as const;

/** The native addons the bundle leaves external: in the snapshot, loaded from beside the bundle on first use. */
/** What the snapshot's script is built from besides its entry: the agent build's own (vite.agent.config.ts, agentSnapshotSources). */
export interface AgentSnapshotSources {
  /** The agent build's own plugins that change what modules contain (the version, pino's requires). */
  readonly plugins: readonly Plugin[];
  readonly nativeDependencies: readonly string[];
  readonly define: Record<string, string>;
}

export interface AgentSnapshotOptions extends AgentSnapshotSources {
  /** What `--version` must print from the blob. */
  readonly version: string;
  /** Where the blob goes: the bundle's folder. */
  readonly outDir: string;
}

const IMPORT_META = /\bimport\.meta\.(url|filename|dirname)\b/g;

/**
 * `import.meta.url`, `.filename` and `.dirname` as the bundle beside the blob would see them, read at the time
 * of use (runtime/snapshotLocation.ts): in CommonJS they would become the build machine's __filename, frozen
 * into the blob. A module that reads them in its body fails the build (snapshotLocation throws there).
 */
function snapshotImportMeta(): Plugin {
  return {
    name: 'keeper:snapshot-import-meta',
    transform(code, id) {
      const file = normalizePath(id.split('?')[0] ?? id);
      if (file === SNAPSHOT_LOCATION || !code.includes('import.meta')) return null;
      const rewritten = code.replace(IMPORT_META, (_, key: string) => `__keeperBundleMeta.${key}`);
      if (rewritten.includes('import.meta')) this.error(`agent-snapshot.config.ts: ${file} uses import.meta beyond url, filename and dirname`);
      return { code: `import { bundleMeta as __keeperBundleMeta } from ${JSON.stringify(SNAPSHOT_LOCATION)};\n${rewritten}`, map: null };
    },
  };
}

/**
 * Dependencies that read the machine in their module body, rewritten for the snapshot build only to read it when
 * used (the same values at run time): otherwise the blob would keep the build machine's answer, and
 * runtime/snapshotGuard.ts fails the build. Exact texts of the installed versions, each exactly once (an upgrade
 * that changes one fails the build rather than ship the read).
 */
const SNAPSHOT_LAZY_READS: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  // The default `base` of a pino logger (the agent's replaces it): the build machine's name in the blob otherwise.
  'pino/pino.js': [
    ['const hostname = os.hostname()\n', ''],
    ['  base: { pid, hostname },', '  base: { pid, get hostname () { return os.hostname() } },'],
  ],
  // Only for generateRandomPipeName, which the agent never calls.
  'vscode-jsonrpc/lib/node/main.js': [
    ["const XDG_RUNTIME_DIR = process.env['XDG_RUNTIME_DIR'];\n", ''],
    ['fs.realpathSync(XDG_RUNTIME_DIR ?? os.tmpdir())', "fs.realpathSync(process.env['XDG_RUNTIME_DIR'] ?? os.tmpdir())"],
  ],
};

function snapshotLazyReads(): Plugin {
  const seen = new Set<string>();
  return {
    name: 'keeper:snapshot-lazy-reads',
    buildStart() {
      seen.clear();
    },
    transform(code, id) {
      const file = Object.keys(SNAPSHOT_LAZY_READS).find((name) => normalizePath(id).endsWith(`/node_modules/${name}`));
      if (!file) return null;
      let out = code;
      for (const [from, to] of SNAPSHOT_LAZY_READS[file]!) {
        if (out.split(from).length !== 2) this.error(`agent-snapshot.config.ts: ${file} must have ${JSON.stringify(from)} exactly once`);
        out = out.replace(from, to);
      }
      seen.add(file);
      return { code: out, map: null };
    },
    buildEnd(error) {
      const missed = Object.keys(SNAPSHOT_LAZY_READS).filter((file) => !seen.has(file));
      if (!error && missed.length > 0) this.error(`agent-snapshot.config.ts: ${missed.join(', ')} not part of the agent snapshot`);
    },
  };
}

const NATIVE_PREFIX = '\0keeper-snapshot-native:';

/**
 * better-sqlite3 with its JavaScript in the snapshot: the package's own `lib/database.js` (imported by path, past
 * its `exports`), given a loader of the addon alone, as its per-platform entries (lib/linux-x64.js) do.
 */
function sqliteModule(): string {
  const dir = dirname(createRequire(join(projectDir, 'package.json')).resolve('better-sqlite3/package.json'));
  return `import createDatabase from ${JSON.stringify(normalizePath(join(dir, 'lib/database.js')))};
import SqliteError from ${JSON.stringify(normalizePath(join(dir, 'lib/sqlite-error.js')))};
import { sqliteAddon } from ${JSON.stringify(SNAPSHOT_LOCATION)};
const Database = createDatabase(sqliteAddon, false);
Database.SqliteError = SqliteError;
export default Database;
`;
}

/**
 * A native addon's default export as a stand-in that requires the addon from beside the bundle when first
 * constructed, called or read: the snapshot cannot hold a native module, and its builder can require builtins
 * only. better-sqlite3 instead keeps its JavaScript in the snapshot and loads the addon alone (sqliteModule).
 */
function snapshotNatives(natives: readonly string[]): Plugin {
  return {
    name: 'keeper:snapshot-natives',
    enforce: 'pre',
    resolveId(source) {
      return natives.includes(source) ? `${NATIVE_PREFIX}${source}` : null;
    },
    load(id) {
      if (!id.startsWith(NATIVE_PREFIX)) return null;
      const name = id.slice(NATIVE_PREFIX.length);
      if (name === 'better-sqlite3') return sqliteModule();
      return `import { requireNative } from ${JSON.stringify(SNAPSHOT_LOCATION)};
let loaded;
const real = () => (loaded ??= requireNative(${JSON.stringify(name)}));
export default new Proxy(function () {}, {
  construct: (_, args) => Reflect.construct(real(), args),
  apply: (_, self, args) => Reflect.apply(real(), self, args),
  get: (_, key) => Reflect.get(real(), key),
  has: (_, key) => Reflect.has(real(), key),
});
`;
    },
  };
}

const DEFERRED_REQUIRE = new RegExp(`\\brequire\\((["'])(?:node:)?(${SNAPSHOT_DEFERRED_BUILTINS.join('|')})\\1\\)`, 'g');

const DEFERRED_HELPER = `function __keeperDeferredBuiltin(name) {
  let loaded;
  const real = () => (loaded ??= process.getBuiltinModule(name));
  return new Proxy({}, { get: (_, key) => (key === 'default' ? real() : real()[key]), has: (_, key) => key in real() });
}
`;

/**
 * SNAPSHOT_DEFERRED_BUILTINS' requires in the output, each replaced by an object that loads the builtin when a
 * member is read. rolldown wraps a default or namespace import of one in its __toESM, which copies every
 * member (so would load it at once): that wrapping goes, and the object answers `default` with the module.
 */
function deferredBuiltins(): Plugin {
  return {
    name: 'keeper:snapshot-deferred-builtins',
    renderChunk(code) {
      const deferred = new Set<string>();
      let rewritten = code.replace(DEFERRED_REQUIRE, (_, _quote: string, name: string) => `__keeperDeferredBuiltin(${JSON.stringify(`node:${name}`)})`);
      for (const [, binding] of rewritten.matchAll(/\b(?:let|const|var)\s+([\w$]+)\s*=\s*__keeperDeferredBuiltin\(/g)) deferred.add(binding!);
      for (const binding of deferred) rewritten = rewritten.replaceAll(`${binding} = __toESM(${binding}, 1);`, '');
      if ([...deferred].some((binding) => rewritten.includes(`__toESM(${binding}`)))
        this.error('agent-snapshot.config.ts: a deferred builtin is still wrapped by __toESM');
      const strict = /^"use strict";\n?/.exec(rewritten)?.[0] ?? '';
      return { code: `${strict}${DEFERRED_HELPER}${rewritten.slice(strict.length)}`, map: null };
    },
  };
}

/**
 * Runs `node --snapshot-blob BLOB --build-snapshot SCRIPT` in SCRIPT's folder, BLOB a name in it. Any output
 * fails it: Node warns (and goes on) when the script loads a builtin whose state the snapshot may not restore,
 * and such a blob must not ship. The builder gets PATH alone of the environment, and relative names, so
 * that neither the build machine's variables nor its folders can end up in the blob.
 */
export function buildSnapshotBlob(dir: string, script: string, blob: string, builder: { uid: number; gid: number } | null = null): void {
  writeFileSync(join(dir, SNAPSHOT_CONFIG), JSON.stringify({ builder: script, withoutCodeCache: SNAPSHOT_WITHOUT_CODE_CACHE }));
  const result = spawnSync(SHIPPED_NODE, ['--snapshot-blob', blob, '--build-snapshot-config', SNAPSHOT_CONFIG], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
    ...builder,
  });
  const output = `${result.stdout}${result.stderr}`.trim();
  if (result.status !== 0 || result.signal !== null || output !== '') {
    rmSync(join(dir, blob), { force: true });
    const lines = output.split('\n').map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line));
    throw new Error(`agent-snapshot.config.ts: the startup snapshot was refused (${result.signal ?? `exit ${result.status}`}):\n${lines.join('\n')}`);
  }
}

/** The CommonJS script the blob is made from, written into `dir`; returns its name there. */
export async function buildSnapshotScript(sources: AgentSnapshotSources, dir: string): Promise<string> {
  await build({
    configFile: false,
    root: projectDir,
    publicDir: false,
    logLevel: 'warn',
    plugins: [snapshotNatives(sources.nativeDependencies), snapshotImportMeta(), snapshotLazyReads(), ...sources.plugins, deferredBuiltins()],
    define: sources.define,
    ssr: { target: 'node', noExternal: true },
    build: {
      ssr: SNAPSHOT_ENTRY,
      outDir: dir,
      emptyOutDir: false,
      target: 'node22',
      minify: true,
      sourcemap: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      rolldownOptions: { output: { format: 'cjs', entryFileNames: SNAPSHOT_SCRIPT, codeSplitting: false, minify: ASCII_MINIFY } },
    },
  });
  return SNAPSHOT_SCRIPT;
}

/** A builtin's code cache in a blob: `[u64 id length][id][u64 length][code cache]` (Node's node_snapshotable.cc). */
interface CodeCacheEntry {
  readonly id: string;
  /** The whole entry as written. */
  readonly bytes: Buffer;
}

const BUILTIN_ID = /^[a-z_][\w/.-]*$/;

/** A u64 of the blob that fits in 32 bits, else null. */
function smallU64(blob: Buffer, at: number): number | null {
  return at + 8 <= blob.length && blob.readUInt32LE(at + 4) === 0 ? blob.readUInt32LE(at) : null;
}

/** The entries of a code cache vector (`[u64 count][entries]`) starting at `offset`, if it ends exactly at the blob's end. */
function codeCacheAt(blob: Buffer, offset: number): CodeCacheEntry[] | null {
  const count = smallU64(blob, offset);
  if (count === null || count === 0 || count > 4096) return null;
  const entries: CodeCacheEntry[] = [];
  let at = offset + 8;
  for (let i = 0; i < count; i++) {
    const idLength = smallU64(blob, at);
    if (idLength === null || idLength === 0 || idLength > 256 || at + 8 + idLength > blob.length) return null;
    const id = blob.toString('latin1', at + 8, at + 8 + idLength);
    const length = smallU64(blob, at + 8 + idLength);
    const end = at + 16 + idLength + (length ?? 0);
    if (!BUILTIN_ID.test(id) || length === null || end > blob.length) return null;
    entries.push({ id, bytes: blob.subarray(at, end) });
    at = end;
  }
  return at === blob.length ? entries : null;
}

/**
 * The blob with its builtins' code cache (the vector Node writes last) reduced to `keep`. The vector is found as the
 * one place from which the blob parses as that layout exactly to its end; anything else (a Node whose layout
 * changed, a builtin renamed) fails the build rather than ship a blob cut in the wrong place.
 */
export function keepBuiltinCodeCache(blob: Buffer, keep: readonly string[]): Buffer {
  const found: Array<{ offset: number; entries: CodeCacheEntry[] }> = [];
  for (let offset = 0; offset + 16 <= blob.length; offset++) {
    // Cheap test first: a count below 4096, then an id length below 256.
    if (blob[offset + 2] !== 0 || blob.readUInt32LE(offset + 4) !== 0 || blob.readUInt32LE(offset + 12) !== 0 || blob[offset + 9] !== 0) continue;
    const entries = codeCacheAt(blob, offset);
    if (entries) found.push({ offset, entries });
  }
  if (found.length !== 1) throw new Error(`agent-snapshot.config.ts: ${found.length} places in the blob parse as Node's code cache, not one`);
  const [{ offset, entries }] = found as [{ offset: number; entries: CodeCacheEntry[] }];
  const missing = keep.filter((id) => !entries.some((entry) => entry.id === id));
  if (missing.length > 0) throw new Error(`agent-snapshot.config.ts: the blob has no code cache for ${missing.join(', ')}`);
  const kept = entries.filter((entry) => keep.includes(entry.id));
  const count = Buffer.alloc(8);
  count.writeUInt32LE(kept.length);
  return Buffer.concat([blob.subarray(0, offset), count, ...kept.map((entry) => entry.bytes)]);
}

/**
 * The CommonJS snapshot build into a temporary folder, the blob into outDir with only SNAPSHOT_CODE_CACHE_BUILTINS'
 * code cache, then one start of the blob (`--version`).
 */
export async function buildAgentSnapshot(options: AgentSnapshotOptions): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'keeper-agent-snapshot-'));
  const blob = join(options.outDir, AGENT_SNAPSHOT_BLOB);
  try {
    buildSnapshotBlob(work, await buildSnapshotScript(options, work), AGENT_SNAPSHOT_BLOB);
    const built = readFileSync(join(work, AGENT_SNAPSHOT_BLOB));
    // Without V8's code cache Node writes no builtin's either.
    writeFileSync(blob, SNAPSHOT_WITHOUT_CODE_CACHE ? built : keepBuiltinCodeCache(built, SNAPSHOT_CODE_CACHE_BUILTINS));
    const version = spawnSync(SHIPPED_NODE, ['--snapshot-blob', blob, '--', '--version'], { cwd: tmpdir(), encoding: 'utf8' });
    if (version.status !== 0 || version.stdout.trim() !== options.version) {
      rmSync(blob, { force: true });
      throw new Error(`agent-snapshot.config.ts: the blob does not start (exit ${version.status}): ${version.stdout}${version.stderr}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
