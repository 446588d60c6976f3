import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAgentAs, runAs } from '../support/agentAs.ts';

/**
 * Issue 15, attack 8: the database (every user's justifications, approvals and audit trail) took the
 * process umask's mode (0644), and a data folder others can read (npm start --data-dir, a folder made
 * by hand) exposed it to every user. The agent starts under umask 022 here, as a careless service
 * manager or terminal would start it; the reader is the real OS user `nobody`.
 */

let root: string;
let count = 0;

/** A data folder made by hand with `mode`, as an admin would (chmod: mkdir's mode is cut by the umask). */
function handMadeDataDir(mode: number): string {
  const dir = join(root, `data-${++count}`);
  mkdirSync(dir);
  chmodSync(dir, mode);
  return dir;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kps-'));
  chmodSync(root, 0o755);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the data folder', () => {
  for (const mode of [0o755, 0o750, 0o777]) {
    const octal = mode.toString(8).padStart(4, '0');
    it(`made by hand ${octal} is refused with its path, owner and mode (exit 2), and nothing is written to it`, async () => {
      const dataDir = handMadeDataDir(mode);
      const run = runAgentAs(['--socket', join(root, `run-${count}`, 'agent.sock'), '--data-dir', dataDir], { umask: '022' });
      await expect(run.started).rejects.toThrow(/exited with 2/);
      expect(await run.exited).toBe(2);
      expect(run.output()).toContain(`refusing the data folder ${dataDir}: ${dataDir} is owned by uid 0 with mode ${octal}`);
      expect(readdirSync(dataDir)).toEqual([]);
    });
  }
});

describe('the database files', () => {
  it('are 0600 in a 0700 folder even under umask 022, and nobody cannot read agent.db or its WAL', async () => {
    const dataDir = handMadeDataDir(0o700);
    const run = runAgentAs(['--socket', join(root, `run-${count}`, 'agent.sock'), '--data-dir', dataDir], { umask: '022' });
    try {
      await run.started;
      for (const name of ['agent.db', 'agent.db-wal', 'agent.db-shm']) expect(statSync(join(dataDir, name)).mode & 0o777, name).toBe(0o600);
      // Let nobody into the folder (not list it): only the files' own modes stand between it and the data now.
      chmodSync(dataDir, 0o711);
      for (const name of ['agent.db', 'agent.db-wal']) {
        const read = runAs('nobody', '/bin/cat', [join(dataDir, name)]);
        expect(read.status, name).not.toBe(0);
        expect(read.stderr, name).toContain('Permission denied');
      }
    } finally {
      chmodSync(dataDir, 0o700);
      await run.stop();
    }
  });

  it('an agent.db an older agent left 0644 is made 0600 at start', async () => {
    const dataDir = handMadeDataDir(0o700);
    closeSync(openSync(join(dataDir, 'agent.db'), 'w', 0o644));
    chmodSync(join(dataDir, 'agent.db'), 0o644);
    const run = runAgentAs(['--socket', join(root, `run-${count}`, 'agent.sock'), '--data-dir', dataDir], { umask: '022' });
    try {
      await run.started;
      expect(statSync(join(dataDir, 'agent.db')).mode & 0o777).toBe(0o600);
      expect(existsSync(join(dataDir, 'agent.db-wal'))).toBe(true);
    } finally {
      await run.stop();
    }
  });
});
