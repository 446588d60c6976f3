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

/** A native addon (better-sqlite3), resolved from beside the bundle when first used: never while the snapshot is built. */
export function requireNative(id: string): unknown {
  return createRequire(bundleMeta.filename)(id);
}

/** Fails the snapshot's build if any module read the location while it was built (runtime/snapshotEntry.ts, after its imports). */
export function assertNothingLocatedWhileBuilding(): void {
  if (readWhileBuilding) throw readWhileBuilding;
}
