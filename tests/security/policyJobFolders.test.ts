import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusChanged, AgentStatusRequest, type AgentStatus } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, PROJECT_DIR } from '../support/agentProcess.ts';
import { runAgentAs, runAs } from '../support/agentAs.ts';
import { appPolicy, policy, writePolicyDir } from '../support/policyFixtures.ts';
import { systemUser } from '../support/requesterProcess.ts';

/**
 * Issue 15: policy and job folders were loaded whatever their owner and mode, so `nobody` could write
 * itself an ALLOW policy or a job that runs as root. The attacker is the real OS user `nobody`.
 */

const nobody = systemUser('nobody');
let root: string;
let count = 0;

function sandbox(): { dir: string; socket: string; dataDir: string } {
  const dir = join(root, `s${++count}`);
  mkdirSync(dir, { mode: 0o755 });
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  return { dir, socket: join(dir, 'run', 'agent.sock'), dataDir };
}

const policiesIn = (dir: string) => writePolicyDir(join(dir, 'policies'), { 'col-id': '/usr/bin/id' }, [appPolicy('pol-id', 'col-id', ['JUSTIFY'])]);

function jobsIn(dir: string): string {
  const jobs = join(dir, 'jobs');
  cpSync(join(PROJECT_DIR, 'resources/jobs'), jobs, { recursive: true });
  return jobs;
}

async function refusedAtStart(args: string[], folder: string, expected: string): Promise<void> {
  const run = runAgentAs(args);
  await expect(run.started).rejects.toThrow(/exited with 2/);
  expect(await run.exited).toBe(2);
  expect(run.output()).toContain(`folder ${folder}: `);
  expect(run.output()).toContain(expected);
}

/** Resolves with the first agent.statusChanged that `matches`, failing after `timeoutMs`. */
function statusWhere(client: AgentClient, what: string, matches: (status: AgentStatus) => boolean, timeoutMs = 10_000): Promise<AgentStatus> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`no agent.statusChanged with ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const subscription = client.onNotification(AgentStatusChanged, (status) => {
      if (!matches(status)) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(status);
    });
  });
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kps-'));
  chmodSync(root, 0o755);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a policies folder nobody can write to', () => {
  it('0777: the agent does not start (exit 2), naming the folder, its owner and its mode', async () => {
    const s = sandbox();
    const policies = policiesIn(s.dir);
    chmodSync(policies, 0o777);
    await refusedAtStart(['--socket', s.socket, '--data-dir', s.dataDir, '--policies', policies], policies, 'owned by uid 0 with mode 0777');
  });

  it('owned by nobody: the agent does not start (exit 2)', async () => {
    const s = sandbox();
    const policies = policiesIn(s.dir);
    chownSync(policies, nobody.uid, nobody.gid);
    await refusedAtStart(['--socket', s.socket, '--data-dir', s.dataDir, '--policies', policies], policies, `owned by uid ${nobody.uid}`);
  });

  it('inside a folder nobody owns (it could rename the policies folder away): the agent does not start (exit 2)', async () => {
    const s = sandbox();
    const parent = join(s.dir, 'shared');
    mkdirSync(parent, { mode: 0o755 });
    const policies = policiesIn(parent);
    chownSync(parent, nobody.uid, nobody.gid);
    await refusedAtStart(['--socket', s.socket, '--data-dir', s.dataDir, '--policies', policies], policies, `${parent} is owned by uid ${nobody.uid}`);
  });

  it('a policy file nobody can write to is rejected like a bad file, in agent.status', async () => {
    const s = sandbox();
    const policies = policiesIn(s.dir);
    writeFileSync(join(policies, 'open.json'), JSON.stringify([policy('pol-open', ['ALLOW'])]));
    chmodSync(join(policies, 'open.json'), 0o666);
    const run = runAgentAs(['--socket', s.socket, '--data-dir', s.dataDir, '--policies', policies]);
    await run.started;
    const client = await connectClient(s.socket);
    try {
      const status = await client.request(AgentStatusRequest, undefined);
      expect(status.policies.active).toBe(1);
      expect(status.policies.errors.find((e) => e.file === 'open.json')?.message).toContain('mode 0666 lets group or others write to it');
    } finally {
      client.close();
      await run.stop();
    }
  });

  it('made 0777 while the agent runs: reported in agent.status, and the ALLOW policy nobody then drops in is not loaded', async () => {
    const s = sandbox();
    const policies = policiesIn(s.dir);
    const run = runAgentAs(['--socket', s.socket, '--data-dir', s.dataDir, '--policies', policies]);
    await run.started;
    const client = await connectClient(s.socket);
    try {
      const before = await client.request(AgentStatusRequest, undefined);
      expect(before.policies.active).toBe(1);

      const refused = statusWhere(client, 'the policies folder refused', (status) => status.policies.errors.some((e) => e.file === policies));
      chmodSync(policies, 0o777);
      const first = await refused;
      expect(first.policies.active).toBe(1);
      expect(first.policies.errors[0]!.message).toContain(`refusing the policies folder ${policies}: ${policies} is owned by uid 0 with mode 0777`);
      expect(first.plugins.find((p) => p.name === 'KeeperPolicy')?.state).toBe('Unhealthy');

      const reloaded = statusWhere(client, 'a reload after the first refusal', (status) => status.policies.loadedAt !== first.policies.loadedAt);
      expect(
        runAs('nobody', '/bin/sh', ['-c', `printf '%s' '${JSON.stringify([policy('pol-nobody', ['ALLOW'])])}' > ${join(policies, 'nobody.json')}`]).status,
      ).toBe(0);
      const after = await reloaded;
      expect(after.policies.active).toBe(1);
      expect(after.policies.files).toBe(before.policies.files);
      expect(after.policies.errors.map((e) => e.file)).toEqual([policies]);
    } finally {
      client.close();
      await run.stop();
    }
  });
});

describe('a jobs folder nobody can write to', () => {
  it('0777: the agent does not start (exit 2)', async () => {
    const s = sandbox();
    const jobs = jobsIn(s.dir);
    chmodSync(jobs, 0o777);
    await refusedAtStart(['--socket', s.socket, '--data-dir', s.dataDir, '--jobs', jobs], jobs, 'owned by uid 0 with mode 0777');
  });

  it('owned by nobody: the agent does not start (exit 2)', async () => {
    const s = sandbox();
    const jobs = jobsIn(s.dir);
    chownSync(jobs, nobody.uid, nobody.gid);
    await refusedAtStart(['--socket', s.socket, '--data-dir', s.dataDir, '--jobs', jobs], jobs, `owned by uid ${nobody.uid}`);
  });

  it('made 0777 while the agent runs: KeeperJobs reports it in agent.status', async () => {
    const s = sandbox();
    const jobs = jobsIn(s.dir);
    const run = runAgentAs(['--socket', s.socket, '--data-dir', s.dataDir, '--jobs', jobs]);
    await run.started;
    const client = await connectClient(s.socket);
    try {
      const unhealthy = statusWhere(client, 'KeeperJobs unhealthy', (status) => status.plugins.some((p) => p.name === 'KeeperJobs' && p.state === 'Unhealthy'));
      chmodSync(jobs, 0o777);
      const status = await unhealthy;
      expect(status.plugins.find((p) => p.name === 'KeeperJobs')?.detail).toContain('jobs folder is refused');
      expect(run.output()).toContain(`refusing the jobs folder ${jobs}: ${jobs} is owned by uid 0 with mode 0777`);
    } finally {
      client.close();
      await run.stop();
    }
  });
});
