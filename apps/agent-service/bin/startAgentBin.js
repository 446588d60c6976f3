// Plain JavaScript on purpose, like the bin that imports it: it runs before any bundle or source.
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PROJECT_DIR = fileURLToPath(new URL('../../../', import.meta.url));
const BUNDLE = join(PROJECT_DIR, 'dist/agent/keeper-agent.mjs');
/** Written by the build beside the bundle (vite.agent.config.ts, AGENT_SOURCES_MANIFEST): the project files it is made of. */
const SOURCES_MANIFEST = join(PROJECT_DIR, 'dist/agent/keeper-agent.sources.json');
const SOURCE_ENTRY = join(PROJECT_DIR, 'apps/agent-service/src/main.ts');

/**
 * Node's compile cache for the bundle, in a folder only this user can write (as apps/run-as/bin/startCli.js
 * does for the CLIs): os.tmpdir()/node-compile-cache is shared, and whoever makes it first could plant
 * V8 code cache that the agent, root included, would run. Null (no cache) when no such folder can be had.
 */
function privateCompileCacheDir() {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'keeper', 'node-compile-cache');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === uid && (stat.mode & 0o077) === 0 ? dir : null;
  } catch {
    return null;
  }
}

/**
 * Whether to run the bundle: it is built, and none of the files it was built from changed (or went)
 * since. A package without its sources (or without the manifest) runs the bundle if it has one.
 */
function bundleIsCurrent() {
  let built;
  try {
    built = statSync(BUNDLE).mtimeMs;
  } catch {
    return false;
  }
  if (!existsSync(SOURCE_ENTRY)) return true;
  let sources;
  try {
    sources = JSON.parse(readFileSync(SOURCES_MANIFEST, 'utf8'));
  } catch {
    return false;
  }
  if (!Array.isArray(sources)) return false;
  for (const source of sources) {
    try {
      if (statSync(join(PROJECT_DIR, String(source))).mtimeMs > built) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Runs the built agent (dist/agent/keeper-agent.mjs, `npm run build`) with the compile cache on, as
 * `npm exec keeper-agent` and an installed package's bin should. The TypeScript source runs instead in a
 * development checkout where the bundle is missing or older than a file it is built from, saying so when a person
 * is watching stderr.
 */
export async function startAgentBin() {
  if (bundleIsCurrent()) {
    // NODE_COMPILE_CACHE, when set, is the user's own choice and already in effect.
    const dir = process.env.NODE_COMPILE_CACHE ? undefined : privateCompileCacheDir();
    if (dir !== null) enableCompileCache(dir);
    await import(pathToFileURL(BUNDLE).href);
    return;
  }
  if (process.stderr.isTTY) process.stderr.write(`keeper-agent: running from source: ${BUNDLE} is missing or older than the source (npm run build)\n`);
  await import('../src/main.ts');
}
