import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAgentAs, runAs } from '../support/agentAs.ts';
import { systemUser } from '../support/requesterProcess.ts';

/**
 * Issue 15, attack 7: another user makes the agent's socket folder first (0777, or a symlink to a
 * folder of theirs), so they could move the real socket aside and put their own agent in its place.
 * The attacker is the real OS user `nobody`; the agents are real processes (root, and keeper-alice
 * for the personal agent's default socket).
 */

const nobody = systemUser('nobody');
const alice = systemUser('keeper-alice');
let root: string;
let dataDir: string;
const squatted: string[] = [];

/** A folder `nobody` makes in the real shared /tmp, as an attacker would. */
function squat(name: string, how: 'mode-0777' | 'symlink'): string {
  const path = join(tmpdir(), name);
  rmSync(path, { recursive: true, force: true });
  squatted.push(path);
  if (how === 'mode-0777') {
    expect(runAs('nobody', '/bin/mkdir', ['-m', '0777', path]).status).toBe(0);
  } else {
    const target = `${path}-target`;
    squatted.push(target);
    rmSync(target, { recursive: true, force: true });
    expect(runAs('nobody', '/bin/mkdir', ['-m', '0777', target]).status).toBe(0);
    expect(runAs('nobody', '/bin/ln', ['-s', target, path]).status).toBe(0);
  }
  return path;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kps-'));
  chmodSync(root, 0o755);
  dataDir = join(root, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
});

afterAll(() => {
  for (const path of squatted) rmSync(path, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

describe('a socket folder someone else made first', () => {
  it('the root agent refuses a 0777 folder nobody made, naming its path, owner and mode (exit 2), and listens nowhere', async () => {
    const folder = squat(`keeper-squat-${process.pid}-open`, 'mode-0777');
    const run = runAgentAs(['--socket', join(folder, 'agent.sock'), '--data-dir', dataDir]);
    await expect(run.started).rejects.toThrow(/exited with 2/);
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain(`refusing the socket folder ${folder}`);
    expect(run.output()).toContain(`owned by uid ${nobody.uid} with mode 0777`);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('the root agent refuses a folder that is a symlink nobody made, and creates nothing in its target', async () => {
    const folder = squat(`keeper-squat-${process.pid}-link`, 'symlink');
    const run = runAgentAs(['--socket', join(folder, 'agent.sock'), '--data-dir', dataDir]);
    await expect(run.started).rejects.toThrow(/exited with 2/);
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain(`refusing the socket folder ${folder}`);
    expect(run.output()).toContain('symbolic link');
    expect(readdirSync(`${folder}-target`)).toEqual([]);
  });

  it('a personal agent without XDG_RUNTIME_DIR keeps its socket in a 0700 folder of its own home, not in the /tmp folder nobody made for it', async () => {
    const oldFallback = squat(`keeper-agent-${alice.uid}`, 'mode-0777');
    const home = join(root, 'alice-home');
    const aliceData = join(root, 'alice-data');
    for (const dir of [home, aliceData]) {
      mkdirSync(dir, { mode: 0o700 });
      chownSync(dir, alice.uid, alice.gid);
    }
    const run = runAgentAs(['--data-dir', aliceData], { user: 'keeper-alice', env: { HOME: home, PATH: '/usr/bin:/bin' } });
    try {
      const socket = await run.started;
      expect(socket).toBe(join(home, '.local', 'state', 'keeper', 'agent.sock'));
      const folder = lstatSync(dirname(socket));
      expect(folder.isDirectory()).toBe(true);
      expect(folder.uid).toBe(alice.uid);
      expect(folder.mode & 0o7777).toBe(0o700);
      expect(lstatSync(socket).mode & 0o777).toBe(0o600);
      expect(readdirSync(oldFallback)).toEqual([]);
    } finally {
      await run.stop();
    }
  });

  it('a personal agent refuses its own socket folder when nobody owns it (exit 2)', async () => {
    const home = join(root, 'alice-home-2');
    const aliceData = join(root, 'alice-data-2');
    for (const dir of [home, aliceData]) {
      mkdirSync(dir, { mode: 0o700 });
      chownSync(dir, alice.uid, alice.gid);
    }
    const folder = join(home, '.local', 'state', 'keeper');
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    chownSync(join(home, '.local'), alice.uid, alice.gid);
    chownSync(join(home, '.local', 'state'), alice.uid, alice.gid);
    chownSync(folder, nobody.uid, nobody.gid);
    const run = runAgentAs(['--data-dir', aliceData], { user: 'keeper-alice', env: { HOME: home, PATH: '/usr/bin:/bin' } });
    await expect(run.started).rejects.toThrow(/exited with 2/);
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain(`refusing the socket folder ${folder}`);
    expect(run.output()).toContain(`owned by uid ${nobody.uid}`);
    expect(existsSync(join(folder, 'agent.sock'))).toBe(false);
  });
});
