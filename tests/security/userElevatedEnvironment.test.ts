import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsRuns, type JobRunView } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { runAs } from '../support/asUser.ts';

const PERSON = 'keeper-alice';
const JOB = 'elevated-probe';

/**
 * Attack: a UserElevated task ran as root with the requesting user's HOME (and name), so whatever
 * that user keeps in their home (.bashrc, .profile, .gitconfig, .npmrc, …) steered a root process.
 * The task here runs for keeper-alice's elevation request (a redirect check, as LaunchPrivilegeElevation
 * does) and prints its environment.
 */
describe('a UserElevated task runs with root’s HOME and a clean environment (requested by keeper-alice)', () => {
  const sandbox = policyAgentSandbox();
  const jobsDir = join(sandbox.dir, 'jobs');
  let root: AgentClient;

  beforeAll(async () => {
    mkdirSync(jobsDir);
    writeFileSync(
      join(jobsDir, `${JOB}.json`),
      JSON.stringify({
        id: JOB,
        name: 'Elevated probe',
        events: [{ eventType: 'ElevationRequested' }],
        redirects: [{ sourceExePattern: '/usr/bin/true', targetExecutable: 'probe' }],
        tasks: [{ id: 'env', name: 'env', ExecutionType: 'UserElevated', executablePath: '/usr/bin/env', arguments: '' }],
      }),
    );
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true' },
      policies: [appPolicy('pol-true', 'col-true', ['ALLOW'])],
      config: { approvals: { administrators: { users: ['root'] } } },
      extra: ['--jobs', jobsDir],
      openToOtherUsers: true,
    });
    root = await connectClient(sandbox.socket);
  });

  afterAll(async () => {
    root?.close();
    await sandbox.dispose();
  });

  it('sees HOME=/root, USER=root and nothing of the requesting user', async () => {
    const answer = await runAs<{ ok: boolean; result?: { state: string } }>(
      PERSON,
      sandbox.socket,
      `const c = await connect();
       console.log(JSON.stringify(await call(c, 'elevation.request', { executable: '/usr/bin/true', arguments: [], cwd: '/' })));
       c.close();`,
    );
    expect(answer).toMatchObject({ ok: true, result: { state: 'denied' } });
    let run: JobRunView | undefined;
    await expect
      .poll(async () => {
        run = (await root.request(JobsRuns, { jobId: JOB, limit: 1 })).runs[0];
        return run?.status;
      })
      .toBe('succeeded');
    const env = Object.fromEntries(
      run!.tasks[0]!.stdout.trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({ HOME: '/root', USER: 'root', LOGNAME: 'root' });
    expect(run!.tasks[0]!.stdout).not.toContain(PERSON);
  });
});
