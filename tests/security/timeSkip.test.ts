import { chmodSync, chownSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAs } from '../support/agentAs.ts';
import { makeSandbox, startAgent, timeSkipLines, type AgentProcess } from '../support/agentProcess.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { ATTACKER } from '../support/testUsers.ts';

/**
 * `--time-skip` (a test aid) lets whoever can signal the agent and write DATA_DIR/time-skip move its
 * clock: approvals, grants and prompts expire early. That must be no one but root and the agent's
 * own user, who could change the clock anyway. Played by `nobody` against a root agent whose
 * sandbox folder is open (0755), so only the data folder's 0700 and the kernel's signal rules stand
 * in the way; files planted by someone else are refused by the agent's own checks.
 */
describe('time skips: only the agent’s own user can make them (played by nobody)', () => {
  const sandbox = makeSandbox();
  const file = join(sandbox.dataDir, 'time-skip');
  const attacker = systemUser(ATTACKER);
  const attackerDir = mkdtempSync(join(tmpdir(), 'kpt-skip-'));
  let agent: AgentProcess;

  /** Signals as the agent's user (root) and returns the agent's answer to it. */
  async function signalAndRead(): Promise<{ msg: string; skippedMs?: number; why?: string }> {
    const before = timeSkipLines(agent.output()).length;
    agent.child.kill('SIGUSR2');
    await expect.poll(() => timeSkipLines(agent.output()).length, { timeout: 10_000 }).toBeGreaterThan(before);
    return timeSkipLines(agent.output())[before]!;
  }

  beforeAll(async () => {
    chmodSync(sandbox.dir, 0o755);
    chownSync(attackerDir, attacker.uid, attacker.gid);
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, timeSkip: true });
  });

  afterAll(async () => {
    await agent?.stop();
    sandbox.cleanup();
    rmSync(attackerDir, { recursive: true, force: true });
  });

  it('says at start that it is on, at warn, naming the file', () => {
    expect(agent.output()).toContain(`"file":"${file}","msg":"time skipping is on (--time-skip, a test aid)`);
  });

  it('nobody can neither signal the agent nor write the file, and nothing moved', () => {
    const signal = runAs(ATTACKER, '/bin/kill', ['-USR2', String(agent.child.pid)]);
    expect(signal.status).not.toBe(0);
    expect(signal.stderr).toMatch(/Operation not permitted/);
    const write = runAs(ATTACKER, '/bin/sh', ['-c', `echo 86400000 > ${file}`]);
    expect(write.status).not.toBe(0);
    expect(write.stderr).toMatch(/Permission denied/);
    expect(timeSkipLines(agent.output())).toEqual([]);
    expect(agent.child.exitCode).toBeNull();
  });

  it('a file another user made is refused with its owner, and the clock does not move', async () => {
    // nobody writes a valid total in its own folder; it lands in the data folder still nobody's.
    const planted = join(attackerDir, 'time-skip');
    expect(runAs(ATTACKER, '/bin/sh', ['-c', `echo 86400000 > ${planted}`]).status).toBe(0);
    renameSync(planted, file);
    const answer = await signalAndRead();
    expect(answer.msg).toBe('time skip refused');
    expect(answer.why).toContain(`owned by uid ${attacker.uid}, not the agent's (0)`);
    unlinkSync(file);
  });

  it('a symlink is refused even to a file that would pass, and the clock does not move', async () => {
    const target = join(attackerDir, 'target');
    writeFileSync(target, '86400000\n', { mode: 0o600 });
    symlinkSync(target, file);
    const answer = await signalAndRead();
    expect(answer.msg).toBe('time skip refused');
    expect(answer.why).toContain('ELOOP');
    unlinkSync(file);
  });

  it('the agent’s own user skips it: the total is exactly its own, none of the refused ones', async () => {
    await agent.skipTime(1_000);
    expect(timeSkipLines(agent.output()).at(-1)).toMatchObject({ msg: 'time skipped', skippedMs: 1_000 });
  });
});
