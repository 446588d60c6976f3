import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../apps/agent-service/src/audit/auditLog.ts';
import { lookupAccountAsync } from '../../apps/agent-service/src/identity/accounts.ts';
import { JobEngine, type DesktopDelivery, type JobEngineDependencies } from '../../apps/agent-service/src/jobs/jobEngine.ts';
import { loadJobDirectory, watchJobDirectory } from '../../apps/agent-service/src/jobs/jobLoader.ts';
import { jobReasons } from '../../apps/agent-service/src/jobs/jobReasons.ts';
import { systemClock, systemScheduler } from '../../apps/agent-service/src/time/clock.ts';
import { openAgentDatabase, type AgentDatabase } from '../../apps/agent-service/src/store/database.ts';
import { pluginSettingOn } from '../../apps/agent-service/src/jobs/pluginSettings.ts';
import { createLogger } from '../../apps/agent-service/src/log/logger.ts';
import { ManualScheduler } from '../support/manualScheduler.ts';

/** A pid is gone when /proc no longer has it or only its zombie is left (pid 1 here may not reap). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const until = (check: () => boolean, timeout = 10_000) => expect.poll(check, { timeout }).toBe(true);

const sh = (id: string, script: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  executablePath: '/bin/sh',
  arguments: `-c '${script}'`,
  timeoutSeconds: 20,
  ...extra,
});

describe.skipIf(process.platform === 'win32')('jobs with real processes', () => {
  let dir: string;
  let jobsDir: string;
  let db: AgentDatabase;
  let audit: AuditLog;
  let engine: JobEngine;

  const start = (extra: Partial<JobEngineDependencies> = {}) => {
    engine = new JobEngine({
      db,
      clock: systemClock,
      scheduler: systemScheduler,
      audit,
      pluginSettings: () => true,
      log: createLogger('Critical'),
      killGraceMs: 500,
      ...extra,
    });
    const load = loadJobDirectory(jobsDir);
    expect(load.errors).toEqual([]);
    engine.load(load.jobs);
    return engine;
  };
  const writeJob = (name: string, value: unknown) => writeFileSync(join(jobsDir, name), typeof value === 'string' ? value : JSON.stringify(value, null, 2));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kp-jobs-it-'));
    jobsDir = join(dir, 'jobs');
    mkdirSync(jobsDir);
    db = openAgentDatabase(dir);
    audit = new AuditLog({ db });
  });
  afterEach(async () => {
    await engine?.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a Startup job whose first task’s JSON output feeds the second task', async () => {
    const out = join(dir, 'greeting.txt');
    writeJob('startup.json', {
      id: 'greet',
      name: 'Greet',
      events: [{ eventType: 'Startup' }],
      parameters: { OutFile: out },
      tasks: [
        sh('produce', 'printf "{\\"greeting\\":\\"hello world\\",\\"sessionToken\\":\\"tok-9\\"}"', { MergeStdoutJsonIntoContext: true }),
        sh('use', 'echo {greeting} > {OutFile}'),
      ],
    });
    const runs = await start().fire('Startup', {});
    expect(runs.map((r) => [r.jobId, r.status, r.reason])).toEqual([['greet', 'succeeded', null]]);
    expect(readFileSync(out, 'utf8')).toBe('hello world\n');
    const audited = audit.after(0, 100);
    expect(audited.map((e) => e.type)).toEqual(['job.started', 'task.finished', 'task.finished', 'job.finished']);
    expect(JSON.stringify(audited)).not.toContain('tok-9');
    expect(audited[1]!.data).toMatchObject({ taskId: 'produce', status: 'succeeded', exitCode: 0 });
    expect(engine.recentRuns(5)[0]).toMatchObject({ jobId: 'greet', status: 'succeeded', trigger: 'event', eventType: 'Startup' });
  });

  it('kills a hung task at its timeout together with its child', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    writeJob('hang.json', {
      id: 'hang',
      name: 'Hang',
      parameters: { PidFile: pidFile },
      tasks: [sh('hang', 'sleep 60 & echo $! > {PidFile}; sleep 60', { timeoutSeconds: 1 })],
    });
    const scheduler = new ManualScheduler();
    const running = start({ scheduler }).runNow('hang');
    let settled = false;
    const settle = () => (settled = true);
    void running.then(settle, settle);
    await until(() => existsSync(pidFile) && /^\d+\n$/.test(readFileSync(pidFile, 'utf8')));
    // The task and its child are up; its second of time passes now.
    scheduler.advance(1_000);
    await expect.poll(() => settled, { timeout: 10_000, message: 'the hung task was not killed at its timeout' }).toBe(true);
    const run = await running;
    expect(run).toMatchObject({
      status: 'failed',
      reason: 'task hang failed: timed out after 1 s; its process group was killed',
      reasonDetail: { code: 'task-failed', values: { task: 'hang', cause: { code: 'timed-out', values: { seconds: 1 } } } },
    });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(grandchild).toBeGreaterThan(0);
    await until(() => !alive(grandchild), 5_000);
  });

  it('does not let a finished task leave processes behind', async () => {
    const pidFile = join(dir, 'left.pid');
    writeJob('left.json', { id: 'left', name: 'Left', parameters: { PidFile: pidFile }, tasks: [sh('left', 'sleep 60 & echo $! > {PidFile}')] });
    const run = await start().runNow('left');
    expect(run.status).toBe('succeeded');
    await until(() => !alive(Number(readFileSync(pidFile, 'utf8'))), 5_000);
  });

  it('fails MergeStdoutJsonIntoContext clearly on output that is not JSON, and runs the alternate job', async () => {
    const marker = join(dir, 'alternate-ran');
    writeJob('jobs.json', [
      {
        id: 'main',
        name: 'Main',
        alternateJobId: 'fallback',
        tasks: [sh('produce', 'echo not json', { MergeStdoutJsonIntoContext: true }), sh('never', 'touch /never')],
      },
      { id: 'fallback', name: 'Fallback', parameters: { Marker: marker }, tasks: [sh('mark', 'echo {RequestId} > {Marker}')] },
    ]);
    const run = await start().runNow('main', { RequestId: 'req-7' });
    expect(run.status).toBe('failed');
    expect(run.tasks).toHaveLength(1);
    expect(run.tasks[0]!.reason).toMatch(/^MergeStdoutJsonIntoContext: stdout is not valid JSON \(/);
    expect(run.alternate).toMatchObject({ jobId: 'fallback', status: 'succeeded', alternateOf: 'main' });
    expect(readFileSync(marker, 'utf8')).toBe('req-7\n');
    expect(engine.recentRuns(5).map((r) => [r.jobId, r.trigger, r.status])).toEqual([
      ['fallback', 'alternate', 'succeeded'],
      ['main', 'manual', 'failed'],
    ]);
    const finished = audit.after(0, 100, { types: ['job.finished'] });
    expect(finished.map((e) => e.requestId)).toEqual(['req-7', 'req-7']);
  });

  it('fires a cron job when the (fake) clock and scheduler move', async () => {
    const out = join(dir, 'cron.txt');
    writeJob('cron.json', {
      id: 'cron',
      name: 'Cron',
      schedule: { cronExpression: '*/5 * * * *' },
      parameters: { Out: out },
      tasks: [sh('tick', 'echo tick >> {Out}')],
    });
    const scheduler = new ManualScheduler(Date.parse('2030-06-01T10:02:00Z'));
    start({ scheduler, clock: { now: () => new Date(scheduler.now) } });
    scheduler.advance(2 * 60_000);
    // A scheduled run is recorded the moment its timer fires, so "not yet" needs no waiting.
    expect(engine.recentRuns(5)).toEqual([]);
    expect(engine.stateOf('cron').nextRunAt).toBe('2030-06-01T10:05:00.000Z');
    scheduler.advance(60_000);
    expect(engine.recentRuns(5).map((r) => r.trigger)).toEqual(['schedule']);
    await until(() => existsSync(out) && readFileSync(out, 'utf8') === 'tick\n');
    await until(() => engine.recentRuns(1)[0]?.status === 'succeeded');
    scheduler.advance(5 * 60_000);
    await until(() => readFileSync(out, 'utf8') === 'tick\ntick\n');
    expect(engine.recentRuns(5).map((r) => r.trigger)).toEqual(['schedule', 'schedule']);
  });

  it('hands a UserDesktop task to the desktop and fails cleanly when there is no desktop', async () => {
    writeJob('desk.json', {
      id: 'desk',
      name: 'Desk',
      events: [{ eventType: 'RequestSeen' }],
      tasks: [{ id: 'open', name: 'Open', ExecutionType: 'UserDesktop', executablePath: 'keeper-network-connections', arguments: '--request {RequestId}' }],
    });
    const calls: Array<[number, string, readonly string[]]> = [];
    const deliverToDesktop: DesktopDelivery = (uid, task) => {
      calls.push([uid, task.executablePath, task.args]);
      return Promise.resolve({ ok: false, why: jobReasons.desktopNotConnected(uid) });
    };
    const runs = await start({ deliverToDesktop }).fire('RequestSeen', { RequestId: 'r-1', uid: 1000 });
    expect(calls).toEqual([[1000, 'keeper-network-connections', ['--request', 'r-1']]]);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ jobId: 'desk', status: 'failed', reason: 'task open failed: no desktop session of uid 1000 is connected' });
    expect(audit.after(0, 100, { types: ['task.finished'] })[0]).toMatchObject({
      actorUid: 1000,
      requestId: 'r-1',
      data: { status: 'failed', executionType: 'UserDesktop' },
    });
  });

  it.skipIf(process.getuid?.() !== 0)('runs a User task with the requesting user’s uid and gid', async () => {
    chmodSync(dir, 0o777);
    const out = join(dir, 'who.txt');
    writeJob('user.json', { id: 'who', name: 'Who', parameters: { Out: out }, tasks: [sh('who', 'id -u > {Out}; id -g >> {Out}', { ExecutionType: 'User' })] });
    const run = await start().runNow('who', { uid: 65534, gid: 65534 });
    expect(run.status).toBe('succeeded');
    expect(readFileSync(out, 'utf8')).toBe('65534\n65534\n');
  });

  it('skips tasks whose condition is false or whose plugin setting is off, and skips a job whose condition is false', async () => {
    const out = join(dir, 'cond.txt');
    writeJob('cond.json', [
      {
        id: 'cond',
        name: 'Cond',
        parameters: { Out: out, Mode: 'full' },
        tasks: [
          sh('full', 'echo full >> {Out}', { condition: "Mode == 'full' && RetentionDays >= 30" }),
          sh('quick', 'echo quick >> {Out}', { condition: "Mode == 'quick'" }),
          sh('plugin', 'echo plugin >> {Out}', { SkipWhenPluginSettingFalse: 'KeeperJobs.Extra' }),
        ],
      },
      { id: 'never', name: 'Never', condition: 'Platform in ["windows"]', tasks: [sh('t', 'echo never >> {Out}')] },
    ]);
    start({ pluginSettings: (name) => pluginSettingOn({ KeeperJobs: { Extra: 'false' } }, name) });
    const run = await engine.runNow('cond', { RetentionDays: '30' });
    expect(run.status).toBe('succeeded');
    expect(run.tasks.map((t) => [t.taskId, t.status, t.reason])).toEqual([
      ['full', 'succeeded', null],
      ['quick', 'skipped', "its condition is false: Mode == 'quick'"],
      ['plugin', 'skipped', 'plugin setting KeeperJobs.Extra is false'],
    ]);
    expect(readFileSync(out, 'utf8')).toBe('full\n');
    expect(await engine.runNow('never', { Platform: 'linux' })).toMatchObject({
      status: 'skipped',
      reason: 'its condition is false: Platform in ["windows"]',
      reasonDetail: { code: 'condition-false', values: { condition: 'Platform in ["windows"]' } },
    });
  });

  it('fires a calendar schedule at its time of day when the (fake) clock moves', async () => {
    const out = join(dir, 'calendar.txt');
    writeJob('cal.json', {
      id: 'cal',
      name: 'Cal',
      schedule: { calendar: { time: '03:30', daysOfWeek: [1] } },
      parameters: { Out: out },
      tasks: [sh('tick', 'echo tick >> {Out}')],
    });
    // Monday 2030-06-03, 03:00 local time.
    const scheduler = new ManualScheduler(new Date(2030, 5, 3, 3, 0).getTime());
    start({ scheduler, clock: { now: () => new Date(scheduler.now) } });
    expect(engine.stateOf('cal').nextRunAt).toBe(new Date(2030, 5, 3, 3, 30).toISOString());
    scheduler.advance(29 * 60_000);
    expect(engine.recentRuns(5)).toEqual([]);
    expect(engine.stateOf('cal').nextRunAt).toBe(new Date(2030, 5, 3, 3, 30).toISOString());
    scheduler.advance(60_000);
    expect(engine.recentRuns(5).map((r) => r.trigger)).toEqual(['schedule']);
    await until(() => existsSync(out) && readFileSync(out, 'utf8') === 'tick\n');
    await until(() => engine.stateOf('cal').nextRunAt === new Date(2030, 5, 10, 3, 30).toISOString());
  });

  it.skipIf(process.getuid?.() !== 0)(
    'runs a UserElevated task for the requesting user as root, with root’s HOME and environment (not the user’s)',
    async () => {
      const out = join(dir, 'elevated.txt');
      writeJob('elevated.json', {
        id: 'el',
        name: 'El',
        parameters: { Out: out },
        tasks: [sh('el', 'echo "$(id -u) $HOME $USER" > {Out}', { ExecutionType: 'UserElevated' })],
      });
      start({ accountOf: lookupAccountAsync });
      expect((await engine.runNow('el', { uid: 65534 })).status).toBe('succeeded');
      expect(readFileSync(out, 'utf8')).toBe('0 /root root\n');
      expect(await engine.runNow('el', {})).toMatchObject({
        status: 'failed',
        reason: 'task el failed: a UserElevated task needs the requesting user (uid) in the run context',
      });
    },
  );

  it('reports bad job files by file and JSON path, refuses duplicates, and notices changes', async () => {
    writeJob('a.json', { id: 'a', name: 'A', tasks: [sh('t', 'true')] });
    writeJob('b.json', [
      { id: 'b', name: 'B', tasks: [sh('t', 'true')] },
      { id: 'c', name: 'C', priority: 11, tasks: [{ id: 't', name: 't', executablePath: '/bin/true', executionType: 'Desktop' }] },
    ]);
    writeJob('c.json', '{ "id": ');
    writeJob('d.json', { id: 'a', name: 'A again', tasks: [sh('t', 'true')] });
    writeJob('e.json', { id: 'e', name: 'E', schedule: { intervalMinutes: 5, cronExpression: '* * * * *' }, tasks: [sh('t', 'true')] });
    writeJob('f.json', { id: 'f', name: 'F', condition: 'Mode == ', tasks: [sh('t', 'true', { condition: 'a; b' })] });
    writeJob('g.json', {
      id: 'g',
      name: 'G',
      events: [{ eventType: 'PolicyEvaluationPending' }],
      tasks: [
        { id: 'a', name: 'a', executablePath: '/bin/true' },
        { id: 'b', name: 'b', ExecutionType: 'UserDesktop', executablePath: 'KeeperMessage', arguments: '--control JUSTIFY' },
        { id: 'c', name: 'c', ExecutionType: 'UserDesktop', executablePath: 'KeeperMFA', arguments: '--request {RequestId}' },
      ],
    });
    const load = loadJobDirectory(jobsDir);
    expect(load.jobs.map((j) => j.id)).toEqual(['a']);
    expect(load.files).toBe(7);
    expect(load.errors).toEqual([
      { file: 'b.json', path: '[1].priority', message: expect.stringMatching(/10/) as unknown },
      { file: 'b.json', path: '[1].tasks[0].ExecutionType', message: expect.stringMatching(/Service/) as unknown },
      { file: 'c.json', path: '', message: expect.stringMatching(/^not valid JSON/) as unknown },
      { file: 'd.json', path: '', message: 'job a is already defined in a.json' },
      { file: 'e.json', path: 'schedule', message: 'a schedule has exactly one of intervalMinutes, cronExpression, runAt or calendar' },
      { file: 'f.json', path: 'condition', message: 'not a valid condition: the condition ends too early' },
      { file: 'f.json', path: 'tasks[0].condition', message: 'not a valid condition: unexpected character ";" at character 2' },
      {
        file: 'g.json',
        path: 'tasks[0].ExecutionType',
        message: 'a task of a PolicyEvaluationPending job is a UserDesktop task (a prompt window), not Service',
      },
      { file: 'g.json', path: 'tasks[1].executablePath', message: 'JUSTIFY is presented by KeeperJustification, not by KeeperMessage' },
      {
        file: 'g.json',
        path: 'tasks[2].arguments',
        message: 'name the control this task presents with --control (one of APPROVAL, OPERATORAPPROVAL, MFA, JUSTIFY, NOTIFY)',
      },
    ]);
    expect(loadJobDirectory(join(dir, 'missing')).errors[0]!.message).toMatch(/cannot read the jobs folder/);

    let changes = 0;
    const watcher = watchJobDirectory(jobsDir, () => changes++, 50);
    try {
      writeJob('h.json', { id: 'h', name: 'H', tasks: [sh('t', 'true')] });
      await until(() => changes > 0, 5_000);
    } finally {
      watcher.close();
    }
    engine = new JobEngine({ db, clock: systemClock, scheduler: systemScheduler, audit, pluginSettings: () => true, log: createLogger('Critical') });
  });
});
