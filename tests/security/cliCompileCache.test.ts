import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCliBundles } from '../support/cliBundles.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { ELEVATE } from '../support/runAsCli.ts';
import { ATTACKER } from '../support/testUsers.ts';

/**
 * Issue 17: the bins run their bundle with Node's compile cache (V8 code cache on disk). Node's
 * default folder, os.tmpdir()/node-compile-cache, is shared: `nobody` can make it first, world
 * writable, and plant code cache that keeper-alice's keeper-elevate would then run as her (and so
 * ask the agent for elevation with her identity). The bins must use a folder only she owns.
 */

const alice = systemUser('keeper-alice');
const nobody = systemUser(ATTACKER);
let root: string;

/** Runs `mkdir -m 777 -p path` as `nobody`: the attacker plants the folder. */
function plantAsNobody(path: string): void {
  const made = spawnSync('/bin/mkdir', ['-m', '777', '-p', path], { uid: nobody.uid, gid: nobody.gid });
  expect(made.status, made.stderr?.toString()).toBe(0);
  expect(statSync(path).uid).toBe(nobody.uid);
}

/** keeper-elevate --help as keeper-alice (it loads the whole bundle, so Node caches it). */
function elevateHelpAsAlice(env: Record<string, string>) {
  return spawnSync(process.execPath, [ELEVATE, '--help'], {
    uid: alice.uid,
    gid: alice.gid,
    cwd: '/',
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', ...env },
  });
}

const filesIn = (dir: string) => readdirSync(dir, { recursive: true });

describe('the CLI compile cache is never a folder another user made', () => {
  beforeAll(async () => {
    await buildCliBundles();
    root = mkdtempSync('/tmp/kpt-cc-');
    chmodSync(root, 0o1777);
  }, 60_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("ignores nobody's node-compile-cache in the shared temp folder and caches in alice's own 0700 folder", () => {
    const shared = join(root, 'tmp');
    mkdirSync(shared, { mode: 0o1777 });
    chmodSync(shared, 0o1777);
    plantAsNobody(join(shared, 'node-compile-cache'));
    const home = join(root, 'alice');
    mkdirSync(home, { mode: 0o700 });
    chownSync(home, alice.uid, alice.gid);

    const run = elevateHelpAsAlice({ HOME: home, TMPDIR: shared });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Usage: keeper-elevate');
    expect(filesIn(join(shared, 'node-compile-cache'))).toEqual([]);
    const own = join(home, '.cache/keeper/node-compile-cache');
    const stat = statSync(own);
    expect(stat.uid).toBe(alice.uid);
    expect(stat.mode & 0o777).toBe(0o700);
    expect(filesIn(own).length).toBeGreaterThan(0);
  });

  it('runs without a cache, still correctly, when its cache folder is not her own', () => {
    const cacheHome = join(root, 'xdg');
    mkdirSync(cacheHome, { mode: 0o1777 });
    chmodSync(cacheHome, 0o1777);
    const planted = join(cacheHome, 'keeper/node-compile-cache');
    plantAsNobody(planted);

    const run = elevateHelpAsAlice({ HOME: join(root, 'nowhere'), XDG_CACHE_HOME: cacheHome, TMPDIR: root });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Usage: keeper-elevate');
    expect(filesIn(planted)).toEqual([]);
    expect(existsSync(join(root, 'node-compile-cache'))).toBe(false);
  });
});
