import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentErrorCodes,
  AgentStatusRequest,
  AuditQuery,
  ElevationRequest,
  JobsDesktopTaskDone,
  JobsDesktopTaskNotification,
  JobsList,
  JobsRun,
  JobsRuns,
  PromptRespond,
  PromptShowNotification,
  type JobRunView,
  type JobsDesktopTask,
  type PromptShow,
} from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { createDesktopApp } from '../../apps/desktop/src/main/desktopApp.ts';
import type { WindowHost } from '../../apps/desktop/src/main/hosts/windowHost.ts';
import { createToaster, type Toast } from '../../apps/desktop/src/main/notifications/toaster.ts';
import { connectClient, makeSandbox, PROJECT_DIR, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { appPolicy, settledState, writePolicyDir } from '../support/policyFixtures.ts';
import { systemUser } from '../support/requesterProcess.ts';

const CONTROLS_JOB = 'privilege-elevation-policy-controls.json';

/** Calls one request as the real OS user `nobody` and prints the result or the error code. */
function callAsNobody(
  socket: string,
  method: 'jobs.run' | 'jobs.runs' | 'jobs.desktopTaskDone',
  params: unknown,
): Promise<{ result?: unknown; code?: number; message?: string }> {
  const protocol = (file: string) => JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src', file));
  const script = `
    const { AgentClient } = await import(${protocol('node/agentClient.ts')});
    const p = await import(${protocol('common/index.ts')});
    const c = await AgentClient.connect(${JSON.stringify(socket)});
    await c.request(p.SessionHello, { protocolVersion: 1, client: { kind: 'cli', name: 'nobody', version: '1' } });
    const descriptor = { 'jobs.run': p.JobsRun, 'jobs.runs': p.JobsRuns, 'jobs.desktopTaskDone': p.JobsDesktopTaskDone }[${JSON.stringify(method)}];
    try { console.log(JSON.stringify({ result: await c.request(descriptor, ${JSON.stringify(params)}) })); }
    catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message })); }
    c.close();`;
  const { uid, gid } = systemUser('nobody');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { uid, gid, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', () => {
      try {
        resolve(JSON.parse(out.trim()) as { result?: unknown; code?: number; message?: string });
      } catch {
        reject(new Error(`no answer from the nobody client: ${out} ${err}`));
      }
    }),
  );
}

describe('jobs in the real agent: desktop delivery, manual runs, redirects and the policy-controls job', () => {
  const sandbox = makeSandbox();
  const jobsDir = join(sandbox.dir, 'jobs');
  const policiesDir = join(sandbox.dir, 'policies');
  const outFile = join(sandbox.dir, 'startup-out.txt');
  const editorDir = join(sandbox.dir, 'bin');
  const configFile = join(sandbox.dir, 'agent.json');
  let agent: AgentProcess;
  let admin: AgentClient;
  let desktop: AgentClient | null = null;
  const tasks: JobsDesktopTask[] = [];
  const prompts: PromptShow[] = [];
  /** What the test desktop answers for each window it is asked to open. */
  let answer: (task: JobsDesktopTask) => { outcome: 'completed' | 'failed'; detail?: string } | null = () => ({ outcome: 'completed' });

  const connectDesktop = async () => {
    const client = await connectClient(sandbox.socket, 'desktop');
    client.onNotification(JobsDesktopTaskNotification, (task) => {
      tasks.push(task);
      const outcome = answer(task);
      if (outcome) void client.request(JobsDesktopTaskDone, { deliveryId: task.deliveryId, ...outcome }).catch(() => {});
    });
    client.onNotification(PromptShowNotification, (prompt) => prompts.push(prompt));
    return client;
  };
  const finished = async (runId: string): Promise<JobRunView> => {
    let run: JobRunView | undefined;
    await expect
      .poll(
        async () => {
          run = (await admin.request(JobsRuns, { limit: 50 })).runs.find((r) => r.runId === runId);
          return run?.status;
        },
        { timeout: 10_000 },
      )
      .not.toMatch(/^(running)?$/);
    return run!;
  };
  const latestRun = async (jobId: string) => (await admin.request(JobsRuns, { jobId, limit: 1 })).runs[0];
  const writeControlsJob = (edit: (job: { tasks: Array<Record<string, unknown>> }) => void) => {
    const job = JSON.parse(readFileSync(join(PROJECT_DIR, 'resources/jobs', CONTROLS_JOB), 'utf8')) as { tasks: Array<Record<string, unknown>> };
    edit(job);
    writeFileSync(join(jobsDir, CONTROLS_JOB), JSON.stringify(job));
  };
  const controlsTaskIds = async () =>
    (await admin.request(JobsList, undefined)).jobs.find((j) => j.id === 'privilege-elevation-policy-controls')?.tasks.map((t) => t.id);

  beforeAll(async () => {
    mkdirSync(jobsDir);
    for (const name of readdirSync(join(PROJECT_DIR, 'resources/jobs')).filter((n) => n.endsWith('.json')))
      copyFileSync(join(PROJECT_DIR, 'resources/jobs', name), join(jobsDir, name));
    writeFileSync(
      join(jobsDir, 'test-startup.json'),
      JSON.stringify({
        id: 'test-startup',
        name: 'Startup merge',
        events: [{ eventType: 'Startup' }],
        parameters: { Out: outFile },
        tasks: [
          {
            id: 'produce',
            name: 'produce',
            executablePath: '/bin/sh',
            arguments: `-c 'printf "{\\"Greeting\\":\\"hello from task one\\",\\"apiToken\\":\\"tok-secret-1\\"}"'`,
            MergeStdoutJsonIntoContext: true,
          },
          { id: 'use', name: 'use', executablePath: '/bin/sh', arguments: "-c 'echo {Greeting} > {Out}'" },
        ],
      }),
    );
    writeFileSync(
      join(jobsDir, 'test-gated.json'),
      JSON.stringify({
        id: 'test-gated',
        name: 'Gated by plugin settings',
        tasks: [
          { id: 'off', name: 'off', executablePath: '/bin/true', SkipWhenPluginSettingFalse: 'KeeperJobs.Gated' },
          { id: 'on', name: 'on', executablePath: '/bin/true', SkipWhenPluginSettingFalse: 'KeeperJobs.AuditCleanup' },
        ],
      }),
    );
    writeFileSync(configFile, JSON.stringify({ plugins: { KeeperJobs: { Gated: false, AuditCleanup: true } } }));
    writePolicyDir(policiesDir, { 'col-true': '/usr/bin/true', 'col-id': '/usr/bin/id', 'col-echo': '/usr/bin/echo' }, [
      appPolicy('pol-echo', 'col-echo', ['JUSTIFY', 'NOTIFY'], { NotificationMessage: 'Echo is audited.', NotificationRequiresAcknowledge: false }),
      appPolicy('pol-true', 'col-true', ['JUSTIFY']),
      appPolicy('pol-id', 'col-id', ['JUSTIFY', 'NOTIFY'], { NotificationMessage: 'This is audited.', NotificationRequiresAcknowledge: true }),
    ]);
    mkdirSync(editorDir);
    writeFileSync(join(editorDir, 'nm-connection-editor'), '#!/bin/sh\nexit 0\n');
    chmodSync(sandbox.dir, 0o755);
    agent = await startAgent({
      socket: sandbox.socket,
      dataDir: sandbox.dataDir,
      extra: ['--policies', policiesDir, '--jobs', jobsDir, '--config', configFile],
    });
    admin = await connectClient(sandbox.socket, 'cli');
  });

  afterAll(async () => {
    admin?.close();
    desktop?.close();
    await agent?.stop();
    sandbox.cleanup();
  });

  it('runs a Startup job whose first Service task’s JSON feeds the second, and logs the version info', async () => {
    await expect.poll(() => existsSync(outFile) && readFileSync(outFile, 'utf8'), { timeout: 10_000 }).toBe('hello from task one\n');
    const run = await finished((await latestRun('test-startup'))!.runId);
    expect(run).toMatchObject({ trigger: 'event', eventType: 'Startup', status: 'succeeded' });
    expect(run.tasks.map((t) => [t.taskId, t.status])).toEqual([
      ['produce', 'succeeded'],
      ['use', 'succeeded'],
    ]);
    expect(run.tasks[0]!.stdout).toContain('[REDACTED]');
    expect(JSON.stringify(run)).not.toContain('tok-secret-1');
    const version = await finished((await latestRun('log-version-info'))!.runId);
    expect(version.status).toBe('succeeded');
    expect(JSON.parse(version.tasks[0]!.stdout)).toMatchObject({ AgentVersion: expect.stringMatching(/^\d+\.\d+\.\d+/) as unknown, Platform: 'linux' });
  });

  it('lists the jobs with their state and next run', async () => {
    const { jobs } = await admin.request(JobsList, undefined);
    expect(jobs.map((j) => j.id).sort()).toEqual([
      'LaunchPrivilegeElevation',
      'audit-cleanup',
      'log-version-info',
      'privilege-elevation-policy-controls',
      'send-toast',
      'show-agent',
      'start-keeper-client',
      'test-gated',
      'test-startup',
    ]);
    const cleanup = jobs.find((j) => j.id === 'audit-cleanup')!;
    expect(cleanup).toMatchObject({ state: 'ready', schedule: { calendar: { time: '03:30' } } });
    expect(new Date(cleanup.nextRunAt!).getHours()).toBe(3);
    expect(new Date(cleanup.nextRunAt!).getMinutes()).toBe(30);
    expect(jobs.find((j) => j.id === 'send-toast')!.nextRunAt).toBeNull();
  });

  it('fails a UserDesktop task cleanly when no desktop of the user is connected, and delivers it once one is', async () => {
    const { runId } = await admin.request(JobsRun, { jobId: 'send-toast', parameters: { Body: 'Backups finished', DesktopUser: 'root' } });
    const failed = await finished(runId);
    expect(failed).toMatchObject({
      trigger: 'manual',
      status: 'failed',
      reason: 'task toast failed: no desktop session of uid 0 is connected',
      reasonDetail: { code: 'task-failed', values: { task: 'toast', cause: { code: 'desktop-not-connected', values: {} } } },
      tasks: [{ taskId: 'toast', reasonDetail: { code: 'desktop-not-connected', values: {} } }],
    });

    desktop = await connectDesktop();
    const again = await admin.request(JobsRun, { jobId: 'send-toast', parameters: { Body: 'Backups finished', DesktopUser: 'root' } });
    expect((await finished(again.runId)).status).toBe('succeeded');
    expect(tasks.at(-1)).toMatchObject({
      jobId: 'send-toast',
      runId: again.runId,
      taskId: 'toast',
      window: 'toast',
      args: ['--title', 'Keeper', '--body', 'Backups finished'],
    });

    answer = () => ({ outcome: 'failed', detail: 'no such window on this desktop' });
    const refused = await admin.request(JobsRun, { jobId: 'send-toast', parameters: { Body: 'x', DesktopUser: 'root' } });
    // The desktop's own words stay verbatim, as a value of the code.
    expect(await finished(refused.runId)).toMatchObject({
      status: 'failed',
      reason: 'task toast failed: no such window on this desktop',
      reasonDetail: { code: 'task-failed', values: { task: 'toast', cause: { code: 'desktop-failed', values: { detail: 'no such window on this desktop' } } } },
    });
    answer = () => ({ outcome: 'completed' });
  });

  it("the seed's Show Agent and Start KeeperClient open KeeperAgent and KeeperClient on the user's desktop", async () => {
    desktop ??= await connectDesktop();
    for (const [jobId, window] of [
      ['show-agent', 'keeper-agent'],
      ['start-keeper-client', 'keeper-client'],
    ] as const) {
      const { runId } = await admin.request(JobsRun, { jobId, parameters: { DesktopUser: 'root' } });
      expect(await finished(runId)).toMatchObject({ jobId, status: 'succeeded' });
      expect(tasks.at(-1)).toMatchObject({ jobId, runId, window, args: [] });
    }
  });

  it('refuses an answer to a desktop task from another user, and audits it', async () => {
    answer = () => null;
    const held = await admin.request(JobsRun, { jobId: 'send-toast', parameters: { Body: 'Held', DesktopUser: 'root' } });
    await expect.poll(() => tasks.at(-1)?.runId, { timeout: 5_000 }).toBe(held.runId);
    const deliveryId = tasks.at(-1)!.deliveryId;
    expect(await callAsNobody(sandbox.socket, 'jobs.desktopTaskDone', { deliveryId, outcome: 'completed' })).toMatchObject({
      code: AgentErrorCodes.Unauthorized,
      message: 'this desktop task belongs to another user',
    });
    expect((await admin.request(AuditQuery, { types: ['job.desktopTask.refused'] })).events.at(-1)).toMatchObject({
      actorUid: systemUser('nobody').uid,
      data: { deliveryId, jobId: 'send-toast' },
    });
    await desktop!.request(JobsDesktopTaskDone, { deliveryId, outcome: 'completed' });
    expect((await finished(held.runId)).status).toBe('succeeded');
    await expect(desktop!.request(JobsDesktopTaskDone, { deliveryId, outcome: 'completed' })).rejects.toMatchObject({ code: AgentErrorCodes.Expired });
    answer = () => ({ outcome: 'completed' });
  });

  it('lets only administrators run jobs by hand, audits the refusal, and hides outputs from others', async () => {
    const refused = await callAsNobody(sandbox.socket, 'jobs.run', { jobId: 'log-version-info' });
    expect(refused).toMatchObject({ code: AgentErrorCodes.Unauthorized, message: 'only administrators may run jobs by hand' });
    const events = (await admin.request(AuditQuery, { types: ['job.run.refused'] })).events;
    expect(events.at(-1)).toMatchObject({ actorUid: systemUser('nobody').uid, data: { jobId: 'log-version-info' } });
    const seen = (await callAsNobody(sandbox.socket, 'jobs.runs', { jobId: 'test-startup' })).result as { runs: JobRunView[] };
    expect(seen.runs[0]!.tasks.map((t) => [t.taskId, t.stdout])).toEqual([
      ['produce', ''],
      ['use', ''],
    ]);
    await expect(admin.request(JobsRun, { jobId: 'no-such-job' })).rejects.toMatchObject({ code: AgentErrorCodes.NotFound });
    await expect(admin.request(JobsRun, { jobId: 'send-toast', parameters: { 'not a name': 'x' } })).rejects.toMatchObject({ code: -32602 });
  });

  it('skips a task whose plugin setting the agent config turns off', async () => {
    const { runId } = await admin.request(JobsRun, { jobId: 'test-gated' });
    const run = await finished(runId);
    expect(run.tasks.map((t) => [t.taskId, t.status, t.reason])).toEqual([
      ['off', 'skipped', 'plugin setting KeeperJobs.Gated is false'],
      ['on', 'succeeded', null],
    ]);
    expect(run.tasks.map((t) => t.reasonDetail)).toEqual([{ code: 'plugin-setting-false', values: { setting: 'KeeperJobs.Gated' } }, undefined]);
  });

  it('runs audit cleanup for real: old job runs go, audit events stay', async () => {
    const db = new Database(join(sandbox.dataDir, 'agent.db'));
    db.pragma('busy_timeout = 5000');
    db.prepare(
      "INSERT INTO job_runs (id, job_id, trigger, status, started_at, tasks_json) VALUES ('old-run', 'x', 'manual', 'succeeded', '2020-01-01T00:00:00.000Z', '[]')",
    ).run();
    const auditBefore = (db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n;
    const { runId } = await admin.request(JobsRun, { jobId: 'audit-cleanup' });
    const run = await finished(runId);
    expect(run.status).toBe('succeeded');
    expect(JSON.parse(run.tasks[0]!.stdout)).toMatchObject({ RemovedJobRuns: 1, RetentionDays: 90 });
    expect(db.prepare("SELECT id FROM job_runs WHERE id = 'old-run'").get()).toBeUndefined();
    expect((db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n).toBeGreaterThan(auditBefore);
    db.close();
  });

  it('redirects an elevation of the network editor to the Keeper Network Connections window on the desktop', async () => {
    const editor = join(editorDir, 'nm-connection-editor');
    const result = await admin.request(ElevationRequest, { executable: editor, arguments: [], cwd: '/' });
    expect(result).toMatchObject({
      state: 'denied',
      decision: { outcome: 'deny', reason: `${editor} is not elevated: it opens keeper-network-connections instead.` },
    });
    expect(tasks.at(-1)).toMatchObject({ jobId: 'LaunchPrivilegeElevation', window: 'keeper-network-connections', args: ['--source', editor] });
    expect(await latestRun('LaunchPrivilegeElevation')).toMatchObject({ trigger: 'event', eventType: 'ElevationRequested', status: 'succeeded' });

    desktop!.close();
    desktop = null;
    const alone = await admin.request(ElevationRequest, { executable: editor, arguments: ['--edit'], cwd: '/' });
    expect(alone.state).toBe('denied');
    // Depending on whether the agent saw the close before the request, the task finds no desktop or loses it.
    expect(alone.decision.reason).toMatch(
      /it should open keeper-network-connections instead, but that failed \(task open-substitute failed: (no desktop session of uid 0 is connected|the desktop session went away before the task finished)\)\.$/,
    );
    desktop = await connectDesktop();
  });

  it('presents the policy controls through the default job, and records the run with its task outcomes', async () => {
    const result = await admin.request(ElevationRequest, { executable: '/usr/bin/id', arguments: [], cwd: '/' });
    await expect.poll(() => prompts.filter((p) => p.subject.requestId === result.requestId).length, { timeout: 5_000 }).toBe(1);
    const justify = prompts.find((p) => p.subject.requestId === result.requestId)!;
    expect(justify.kind).toBe('justification');
    expect(Date.parse(justify.expiresAt) - Date.parse(justify.createdAt)).toBe(300_000);
    await desktop!.request(PromptRespond, { promptId: justify.promptId, response: { kind: 'justification', text: 'Checking my group memberships' } });
    await expect.poll(() => prompts.filter((p) => p.subject.requestId === result.requestId).length, { timeout: 5_000 }).toBe(2);
    const notice = prompts.filter((p) => p.subject.requestId === result.requestId)[1]!;
    expect(notice.kind).toBe('message');
    await desktop!.request(PromptRespond, { promptId: notice.promptId, response: { kind: 'message', acknowledged: true } });
    expect((await settledState(admin, result.requestId)).state).toBe('allowed');
    const run = await finished((await latestRun('privilege-elevation-policy-controls'))!.runId);
    expect(run).toMatchObject({ trigger: 'event', eventType: 'PolicyEvaluationPending', status: 'succeeded' });
    expect(run.tasks.map((t) => [t.taskId, t.status])).toEqual([
      ['approval', 'skipped'],
      ['operator-approval', 'skipped'],
      ['mfa', 'skipped'],
      ['justification', 'succeeded'],
      ['message', 'succeeded'],
    ]);
  });

  it('changes the window when the job is edited: a notice becomes a toast, and one that needs acknowledging is not presented', async () => {
    writeControlsJob((job) => {
      const message = job.tasks.find((t) => t.id === 'message')!;
      message.executablePath = 'toast';
      message.name = 'Notice as a toast';
      message.arguments = '--control NOTIFY --title Keeper --body {NotificationMessage}';
    });
    await expect
      .poll(async () => (await admin.request(JobsList, undefined)).jobs.find((j) => j.id === 'privilege-elevation-policy-controls')?.tasks.at(-1)?.name, {
        timeout: 10_000,
      })
      .toBe('Notice as a toast');
    const acknowledged = await admin.request(ElevationRequest, { executable: '/usr/bin/id', arguments: [], cwd: '/' });
    expect(await settledState(admin, acknowledged.requestId)).toMatchObject({
      state: 'denied',
      reason: 'The policy asks for NOTIFY, but no task of job "privilege-elevation-policy-controls" presents it.',
      reasonDetail: { code: 'controls-job-unpresented', values: { controls: ['NOTIFY'], job: 'privilege-elevation-policy-controls' } },
    });

    const echo = await admin.request(ElevationRequest, { executable: '/usr/bin/echo', arguments: ['hi'], cwd: '/' });
    await expect.poll(() => prompts.filter((p) => p.subject.requestId === echo.requestId).length, { timeout: 5_000 }).toBe(1);
    const justify = prompts.find((p) => p.subject.requestId === echo.requestId)!;
    await desktop!.request(PromptRespond, { promptId: justify.promptId, response: { kind: 'justification', text: 'Printing a greeting for the demo' } });
    expect((await settledState(admin, echo.requestId)).state).toBe('allowed');
    await expect.poll(() => tasks.at(-1)?.window, { timeout: 5_000 }).toBe('toast');
    expect(tasks.at(-1)!.args).toEqual(['--control', 'NOTIFY', '--title', 'Keeper', '--body', 'Echo is audited.']);
    expect(prompts.filter((p) => p.subject.requestId === echo.requestId).map((p) => p.kind)).toEqual(['justification']);
    const run = await finished((await latestRun('privilege-elevation-policy-controls'))!.runId);
    expect(run.tasks.filter((t) => t.status !== 'skipped').map((t) => [t.taskId, t.status])).toEqual([
      ['justification', 'succeeded'],
      ['message', 'succeeded'],
    ]);
  });

  it('changes the flow when the job is edited: a reorder is refused, a prompt timeout applies, and a removed task denies (fail-closed)', async () => {
    writeControlsJob((job) => {
      const justification = job.tasks.find((t) => t.id === 'justification')!;
      job.tasks = [...job.tasks.filter((t) => t !== justification), justification];
    });
    const message =
      'JUSTIFY must come before NOTIFY (task message): prompts follow the precedence order APPROVAL, OPERATORAPPROVAL, MFA, JUSTIFY, NOTIFY, so list the tasks in that order';
    await expect
      .poll(async () => (await admin.request(AgentStatusRequest, undefined)).jobs?.errors, { timeout: 10_000 })
      .toEqual([{ file: CONTROLS_JOB, path: 'tasks[4].arguments', message }]);
    expect(agent.output()).toContain(`job file rejected: ${message}`);
    expect(await controlsTaskIds()).toBeUndefined();
    const reordered = await admin.request(ElevationRequest, { executable: '/usr/bin/id', arguments: [], cwd: '/' });
    expect(await settledState(admin, reordered.requestId)).toMatchObject({ state: 'denied', reasonDetail: { code: 'controls-job-missing', values: {} } });
    expect(prompts.some((p) => p.subject.requestId === reordered.requestId)).toBe(false);

    writeControlsJob((job) => (job.tasks.find((t) => t.id === 'justification')!.timeoutSeconds = 1));
    await expect.poll(controlsTaskIds, { timeout: 10_000 }).toEqual(['approval', 'operator-approval', 'mfa', 'justification', 'message']);
    expect((await admin.request(AgentStatusRequest, undefined)).jobs?.errors).toEqual([]);
    const timed = await admin.request(ElevationRequest, { executable: '/usr/bin/id', arguments: [], cwd: '/' });
    await expect.poll(() => prompts.filter((p) => p.subject.requestId === timed.requestId).length, { timeout: 5_000 }).toBe(1);
    const first = prompts.find((p) => p.subject.requestId === timed.requestId)!;
    expect(first.kind).toBe('justification');
    expect(Date.parse(first.expiresAt) - Date.parse(first.createdAt)).toBe(1_000);
    expect(await settledState(admin, timed.requestId, 8_000)).toMatchObject({ state: 'denied', reason: 'The justification prompt was not answered in time.' });

    writeControlsJob((job) => (job.tasks = job.tasks.filter((t) => t.id !== 'justification')));
    await expect.poll(controlsTaskIds, { timeout: 10_000 }).toEqual(['approval', 'operator-approval', 'mfa', 'message']);
    const removed = await admin.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: '/' });
    expect(await settledState(admin, removed.requestId)).toMatchObject({
      state: 'denied',
      reason: 'The policy asks for JUSTIFY, but no task of job "privilege-elevation-policy-controls" presents it.',
      reasonDetail: { code: 'controls-job-unpresented', values: { controls: ['JUSTIFY'], job: 'privilege-elevation-policy-controls' } },
    });
    expect(prompts.some((p) => p.subject.requestId === removed.requestId)).toBe(false);

    writeFileSync(
      join(jobsDir, CONTROLS_JOB),
      JSON.stringify({
        ...JSON.parse(readFileSync(join(jobsDir, CONTROLS_JOB), 'utf8')),
        tasks: [{ id: 'j', name: 'j', ExecutionType: 'UserDesktop', executablePath: 'KeeperMessage', arguments: '--control JUSTIFY' }],
      }),
    );
    await expect.poll(controlsTaskIds, { timeout: 10_000 }).toBeUndefined();
    const plugin = (await admin.request(AgentStatusRequest, undefined)).plugins.find((p) => p.name === 'KeeperJobs');
    expect(plugin).toMatchObject({ state: 'Unhealthy', detail: '1 problem(s) in job files' });
    const none = await admin.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: '/' });
    expect(await settledState(admin, none.requestId)).toMatchObject({
      state: 'denied',
      reason: 'No PolicyEvaluationPending job applies to this request, so its controls cannot be presented.',
      reasonDetail: { code: 'controls-job-missing', values: {} },
    });
  });

  it('the desktop app carries UserDesktop tasks out: a toast for send-toast, the network window for a redirect', async () => {
    desktop!.close();
    desktop = null;
    const opened: string[] = [];
    const toasts: Toast[] = [];
    // The OS notification and the window host are the seams; everything between them and the agent is real.
    const app = createDesktopApp({
      socketPath: sandbox.socket,
      version: '0.0.0',
      toaster: createToaster({ backend: { show: (toast) => (toasts.push(toast), Promise.resolve()) }, doNotDisturb: () => Promise.resolve(false) }),
    });
    const host: WindowHost = {
      kind: 'web-shell',
      open: (id) => (opened.push(id), Promise.resolve(`about:${id}`)),
      prewarm: () => {},
      close: () => {},
      dispose: () => Promise.resolve(),
    };
    app.attach(host);
    try {
      await expect.poll(() => app.agent.current.connection, { timeout: 5_000 }).toBe('connected');
      const { runId } = await admin.request(JobsRun, { jobId: 'send-toast', parameters: { Title: 'Backups', Body: 'All done', DesktopUser: 'root' } });
      expect((await finished(runId)).status).toBe('succeeded');
      expect(toasts).toContainEqual({ category: 'job:send-toast', title: 'Backups', body: 'All done' });
      const editor = join(editorDir, 'nm-connection-editor');
      const result = await admin.request(ElevationRequest, { executable: editor, arguments: [], cwd: '/' });
      expect(result.decision.reason).toBe(`${editor} is not elevated: it opens keeper-network-connections instead.`);
      expect(opened).toContain('keeper-network-connections');
    } finally {
      await app.stop();
    }
  });
});
