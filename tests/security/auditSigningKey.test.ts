import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAgentAs, runAs } from '../support/agentAs.ts';

/**
 * Issue 20: the audit checkpoints are signed with the machine's Ed25519 key. Whoever reads it can
 * re-sign a rewritten log, so the key is the agent's alone: 0600 in the 0700 data folder, and a key
 * file others could read or replace is refused. The reader is the real OS user `nobody`.
 */

let root: string;
let count = 0;

function dataFolder(): string {
  const dir = join(root, `data-${++count}`);
  mkdirSync(dir);
  chmodSync(dir, 0o700);
  return dir;
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kpk-'));
  chmodSync(root, 0o755);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the audit signing key', () => {
  it('is made 0600 at first start, and nobody cannot read it even when let into the folder', async () => {
    const dataDir = dataFolder();
    const key = join(dataDir, 'audit-signing.key');
    const run = runAgentAs(['--socket', join(root, `run-${count}`, 'agent.sock'), '--data-dir', dataDir], { umask: '022' });
    try {
      await run.started;
      expect(statSync(key).mode & 0o777).toBe(0o600);
      expect(readFileSync(key, 'utf8')).toContain('BEGIN PRIVATE KEY');
      chmodSync(dataDir, 0o711);
      const read = runAs('nobody', '/bin/cat', [key]);
      expect(read.status).not.toBe(0);
      expect(read.stderr).toContain('Permission denied');
    } finally {
      chmodSync(dataDir, 0o700);
      await run.stop();
    }
  });

  it('is refused when others could read it (exit 2, names the file), so a leaked key is not used to sign on', async () => {
    const dataDir = dataFolder();
    const key = join(dataDir, 'audit-signing.key');
    const first = runAgentAs(['--socket', join(root, `run-${count}`, 'agent.sock'), '--data-dir', dataDir], { umask: '022' });
    await first.started;
    await first.stop();
    chmodSync(key, 0o644);
    const second = runAgentAs(['--socket', join(root, `run-${count}-b`, 'agent.sock'), '--data-dir', dataDir], { umask: '022' });
    await expect(second.started).rejects.toThrow(/exited with 2/);
    expect(await second.exited).toBe(2);
    expect(second.output()).toContain(`audit signing key ${key} is readable or writable by others`);
  });
});
