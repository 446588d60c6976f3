// Plain JavaScript on purpose, like the bins that import it: it runs before any bundle or source.
// Builtins are read with process.getBuiltinModule, not imported: the ESM namespace of node:fs evaluates
// every lazy export (fs.promises with readline and the REPL history, streams…), ~30 more internal modules
// at every call of the CLI (vite.cli.config.ts does the same for the bundle).
const { existsSync, lstatSync, mkdirSync } = process.getBuiltinModule('node:fs');
const { enableCompileCache } = process.getBuiltinModule('node:module');
const { join } = process.getBuiltinModule('node:path');

/**
 * Node's compile cache for the bundle, in a folder only this user can write. Node's default,
 * os.tmpdir()/node-compile-cache, is shared: whoever makes it first could plant V8 code cache that
 * this user's CLI would then run. Null (no cache: slower, nothing else) when no such folder can be had;
 * undefined on Windows, where Node's default (the user's own %TEMP%) is not shared.
 */
function privateCompileCacheDir() {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const dir = join(process.env.XDG_CACHE_HOME || join(process.getBuiltinModule('node:os').homedir(), '.cache'), 'keeper', 'node-compile-cache');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === uid && (stat.mode & 0o077) === 0 ? dir : null;
  } catch {
    return null;
  }
}

/**
 * Runs the CLI's built bundle (dist/cli/<name>.mjs, `npm run build`) with the compile cache on.
 * Without a bundle (a development checkout that was not built) it runs the TypeScript source,
 * saying so when a person is watching stderr: scripts and tests see the same output either way.
 */
export async function startCli(name, sourceUrl) {
  const bundle = new URL(`../../../dist/cli/${name}.mjs`, import.meta.url);
  if (existsSync(bundle)) {
    // NODE_COMPILE_CACHE, when set, is the user's own choice and already in effect.
    const dir = process.env.NODE_COMPILE_CACHE ? undefined : privateCompileCacheDir();
    if (dir !== null) enableCompileCache(dir);
    await import(bundle.href);
    return;
  }
  if (process.stderr.isTTY) {
    const { fileURLToPath } = process.getBuiltinModule('node:url');
    process.stderr.write(`${name}: running from source: ${fileURLToPath(bundle)} is not built (npm run build)\n`);
  }
  await import(sourceUrl.href);
}
