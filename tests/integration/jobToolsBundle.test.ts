import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsRun, JobsRuns, type JobRunView } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, makeSandbox, PROJECT_DIR } from '../support/agentProcess.ts';

/**
 * The default jobs' Service tasks in the shipped agent: the bundle built by vite.agent.config.ts
 * runs them as its own `job-tool` subcommand, with no source tree beside it.
 */
const BUNDLE = join(PROJECT_DIR, 'dist/agent/keeper-agent.mjs');

describe('default jobs in the built agent bundle', () => {
  const sandbox = makeSandbox();
  let stopAgent: () => Promise<void> = async () => {};
  let output = '';
  let admin: AgentClient;

  const finished = async (jobId: string, runId?: string): Promise<JobRunView> => {
    let run: JobRunView | undefined;
    await expect
      .poll(
        async () => {
          run = (await admin.request(JobsRuns, { jobId })).runs.find((r) => runId === undefined || r.runId === runId);
          return run?.status;
        },
        { timeout: 15_000, interval: 100 },
      )
      .toMatch(/^(succeeded|failed|skipped)$/);
    return run!;
  };

  beforeAll(async () => {
    const build = spawnSync(join(PROJECT_DIR, 'node_modules/.bin/vite'), ['build', '-c', 'vite.agent.config.ts', '--logLevel', 'warn'], {
      cwd: PROJECT_DIR,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`agent build failed: ${build.stderr}`);
    const child = spawn(
      process.execPath,
      [
        BUNDLE,
        '--socket',
        sandbox.socket,
        '--data-dir',
        sandbox.dataDir,
        '--health-port',
        '0',
        '--jobs',
        join(PROJECT_DIR, 'resources/jobs'),
        '--policies',
        join(PROJECT_DIR, 'resources/policies'),
      ],
      // The clean environment of an installed service: nothing of the source tree on PATH or in the cwd.
      { cwd: '/', env: { PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
    stopAgent = async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    };
    const deadline = Date.now() + 15_000;
    while (!existsSync(sandbox.socket) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!existsSync(sandbox.socket)) throw new Error(`the bundled agent did not listen: ${output}`);
    admin = await connectClient(sandbox.socket);
  }, 60_000);

  afterAll(async () => {
    admin?.close();
    await stopAgent();
    sandbox.cleanup();
  });

  it('runs log-version-info at startup through the bundle’s own job-tool', async () => {
    const run = await finished('log-version-info');
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(JSON.parse(run.tasks[0]!.stdout)).toMatchObject({
      AgentVersion: expect.stringMatching(/^\d+\.\d+\.\d+/) as unknown,
      NodeVersion: process.versions.node,
    });
  });

  it('runs the audit-cleanup retention tool against the agent’s database', async () => {
    const { runId } = await admin.request(JobsRun, { jobId: 'audit-cleanup' });
    const run = await finished('audit-cleanup', runId);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(JSON.parse(run.tasks[0]!.stdout)).toMatchObject({ RemovedJobRuns: 0, RetentionDays: 90 });
  });

  it('refuses a tool it does not have, naming the ones it has', () => {
    const result = spawnSync(process.execPath, [BUNDLE, 'job-tool', 'rm-rf'], { cwd: '/', encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown tool "rm-rf" (tools: version-info, job-run-retention)');
    expect(result.stdout).toBe('');
  });
});
