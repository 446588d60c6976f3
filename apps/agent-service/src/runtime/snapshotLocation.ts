import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The bundle's file name: the blob is built and shipped beside it (vite.agent.config.ts, electron-builder.yml). */
export const AGENT_BUNDLE_FILE = 'keeper-agent.mjs';

/** The first read of the location while the snapshot was built: its error, with the stack that names the module. */
let readWhileBuilding: Error | null = null;

/**
 * The blob this process was started from (`node --snapshot-blob PATH …`), absolute. Every module body of the
 * snapshot ran on the build machine, so a location is only ever read when used, never at module level: reading
 * it while the snapshot is built throws, and is remembered so that the build fails even if the caller swallows
 * the error (peercredAddon does: it would keep "no addon" in the blob).
 */
function blobPath(): string {
  if (process.getBuiltinModule('node:v8').startupSnapshot.isBuildingSnapshot()) {
    const error = new Error(
      'the agent read its location (or loaded a native addon) while its startup snapshot was built: do it when used, not in a module body',
    );
    readWhileBuilding ??= error;
    throw error;
  }
  const { execArgv } = process;
  for (const [index, arg] of execArgv.entries()) {
    if (arg === '--snapshot-blob' && execArgv[index + 1] !== undefined) return resolve(execArgv[index + 1]!);
    if (arg.startsWith('--snapshot-blob=')) return resolve(arg.slice('--snapshot-blob='.length));
  }
  throw new Error('the agent runs from a startup snapshot but was started without --snapshot-blob');
}

/**
 * `import.meta` for the agent's modules in the snapshot build (vite.agent.config.ts rewrites their
 * `import.meta.url`, `.filename` and `.dirname` to these): the bundle beside the blob, as they would see it
 * running from the bundle itself.
 */
export const bundleMeta = {
  get dirname(): string {
    return dirname(blobPath());
  },
  get filename(): string {
    return join(dirname(blobPath()), AGENT_BUNDLE_FILE);
  },
  get url(): string {
    return pathToFileURL(join(dirname(blobPath()), AGENT_BUNDLE_FILE)).href;
  },
};

/** A native addon (@keeper/peercred), resolved from beside the bundle when first used: never while the snapshot is built. */
export function requireNative(id: string): unknown {
  return createRequire(bundleMeta.filename)(id);
}

let sqlite: unknown;

/**
 * better-sqlite3's native addon from the package beside the bundle, found as the package's lib/binding.js finds it:
 * a build of its own (build/Debug, build/Release), else the prebuilt one for this platform (musl told from glibc by
 * the C library mapped into this process). Only the addon: the package's JavaScript is in the snapshot
 * (agent-snapshot.config.ts), where loading it from the package cost ~5 ms of every start.
 */
export function sqliteAddon(): unknown {
  if (sqlite !== undefined) return sqlite;
  const load = createRequire(bundleMeta.filename);
  const { existsSync } = process.getBuiltinModule('node:fs');
  // The node_modules folders Node's resolution would look in, in its order; the package's `exports` need not be read.
  const dir = (load.resolve.paths('better-sqlite3') ?? [])
    .map((folder) => join(folder, 'better-sqlite3'))
    .find((folder) => existsSync(join(folder, 'package.json')));
  if (dir === undefined) throw new Error(`better-sqlite3 is not installed beside ${bundleMeta.filename}`);
  const built = ['Debug', 'Release'].map((kind) => join(dir, 'build', kind, 'better_sqlite3.node')).find((file) => existsSync(file));
  sqlite = load(built ?? join(dir, 'prebuilds', `${prebuildPlatform()}-${process.arch}.node`));
  return sqlite;
}

/**
 * The prebuild's platform name, worked out only when there is no build of its own: musl told from glibc by the C
 * library mapped into this process, as lib/binding.js does.
 */
function prebuildPlatform(): string {
  const maps = process.platform === 'linux' ? process.getBuiltinModule('node:fs').readFileSync('/proc/self/maps', 'latin1') : '';
  return /\/ld-musl-[^/\s]*\.so/.test(maps) ? 'linuxmusl' : process.platform;
}

/** Fails the snapshot's build if any module read the location while it was built (runtime/snapshotEntry.ts, after its imports). */
export function assertNothingLocatedWhileBuilding(): void {
  if (readWhileBuilding) throw readWhileBuilding;
}
