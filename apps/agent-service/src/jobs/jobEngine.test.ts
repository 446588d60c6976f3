import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { AuditLog } from '../audit/auditLog.ts';
import { MIGRATIONS, openAgentDatabase, type AgentDatabase } from '../store/database.ts';
import { JobEngine, substitute, type DesktopDelivery, type JobEngineDependencies, type ResolvedTask } from './jobEngine.ts';
import { jobReasons } from './jobReasons.ts';
import { redactOutput } from './redactOutput.ts';
import { KeeperJob } from './jobSchema.ts';
import { ELEVATION_REQUESTED, RedirectCheck } from './redirectCheck.ts';
import { ManualScheduler } from '../../../../tests/support/manualScheduler.ts';
import { createLogger } from '../log/logger.ts';

interface Script {
  stdout?: string;
  stderr?: string;
  code?: number;
  hang?: boolean;
}

interface Spawned {
  command: string;
  args: readonly string[];
  options: SpawnOptions;
}

/** Scripted processes by command name: nothing real starts, no pid exists (so no group is signalled). */
function fakeSpawner(scripts: Record<string, Script>, spawned: Spawned[]) {
  return (command: string, args: readonly string[], options: SpawnOptions): ChildProcess => {
    spawned.push({ command, args, options });
    const child = new EventEmitter() as EventEmitter & { stdout: PassThrough; stderr: PassThrough; pid: undefined };
    child.stdout = new PassThrough();
    child.stderr = new PassThrough();
    child.pid = undefined;
    const script = scripts[command];
    queueMicrotask(() => {
      if (!script) {
        child.emit('error', Object.assign(new Error(`spawn ${command} ENOENT`), { code: 'ENOENT' }));
        return;
      }
      if (script.hang) return;
      child.stdout.end(script.stdout ?? '');
      child.stderr.end(script.stderr ?? '');
      child.emit('exit', script.code ?? 0, null);
      setImmediate(() => child.emit('close', script.code ?? 0, null));
    });
    return child as unknown as ChildProcess;
  };
}

const task = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: id, executablePath: id, ...extra });
const job = (id: string, extra: Record<string, unknown> = {}) => KeeperJob.parse({ id, name: id, tasks: [task(`${id}-t`)], ...extra });

describe('JobEngine', () => {
  let dir: string;
  let db: AgentDatabase;
  let audit: AuditLog;
  let scheduler: ManualScheduler;
  let spawned: Spawned[];
  let engine: JobEngine;
  const settings = new Map<string, boolean>();

  const make = (scripts: Record<string, Script>, extra: Partial<JobEngineDependencies> = {}) => {
    engine = new JobEngine({
      db,
      clock: { now: () => new Date(scheduler.now) },
      scheduler,
      audit,
      platform: 'linux',
      pluginSettings: (name) => settings.get(name) ?? true,
      log: createLogger('Critical'),
      spawn: fakeSpawner(scripts, spawned),
      ...extra,
    });
    return engine;
  };
  const events = (type?: string) => audit.after(0, 1000, type ? { types: [type] } : {});

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kp-jobs-'));
    db = openAgentDatabase(dir);
    audit = new AuditLog({ db });
    scheduler = new ManualScheduler(Date.parse('2030-01-01T00:00:00Z'));
    spawned = [];
    settings.clear();
  });
  afterEach(async () => {
    await engine.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fires matching enabled jobs of this OS in priority order, 1 first', async () => {
    const scripts = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((id) => [`${id}-t`, {}]));
    make(scripts).load([
      job('a', { priority: 9, events: [{ eventType: 'Startup' }] }),
      job('b', { priority: 1, events: [{ eventType: 'Startup' }] }),
      job('c', { priority: 5, events: [{ eventType: 'Startup' }], enabled: false }),
      job('d', { priority: 2, events: [{ eventType: 'Startup' }], osFilter: ['windows'] }),
      job('e', { priority: 3, events: [{ eventType: 'Shutdown' }] }),
    ]);
    const runs = await engine.fire('Startup');
    expect(runs.map((r) => [r.jobId, r.status])).toEqual([
      ['b', 'succeeded'],
      ['a', 'succeeded'],
    ]);
    expect(spawned.map((s) => s.command)).toEqual(['b-t', 'a-t']);
    expect(events().map((e) => e.type)).toEqual(['job.started', 'task.finished', 'job.finished', 'job.started', 'task.finished', 'job.finished']);
  });

  it('orders the jobs of an event by priority, equal priorities by id, and the redirect check takes the first of them', async () => {
    const redirect = (id: string, priority: number, target: string, extra: Record<string, unknown> = {}) =>
      job(id, {
        priority,
        events: [{ eventType: ELEVATION_REQUESTED }],
        redirects: [{ sourceExePattern: '/usr/bin/nm-*', targetExecutable: target }],
        tasks: [task('open', { executablePath: target })],
        ...extra,
      });
    make({ first: {}, second: {}, later: {} }).load([
      redirect('zeta', 1, 'second'),
      redirect('alpha', 1, 'first'),
      redirect('beta', 2, 'later'),
      redirect('aardvark', 1, 'later', { enabled: false }),
      redirect('abacus', 1, 'later', { osFilter: ['macos'] }),
    ]);
    expect(engine.readyFor(ELEVATION_REQUESTED).map((j) => j.id)).toEqual(['alpha', 'zeta', 'beta']);
    const found = await new RedirectCheck({ engine }).check({
      uid: 1000,
      userName: 'ana',
      executable: '/usr/bin/nm-connection-editor',
      arguments: [],
      commandLine: '/usr/bin/nm-connection-editor',
    });
    expect(found).toMatchObject({ jobId: 'alpha', target: 'first' });
    expect(spawned.map((s) => s.command)).toEqual(['first']);
  });

  it('substitutes {Variable} from parameters and the run context, word by word, and refuses unknown names', async () => {
    make({ prog: {} }).load([
      job('j', {
        parameters: { Mode: 'strict mode' },
        tasks: [task('t1', { executablePath: 'prog', arguments: '--request {RequestId} --mode {Mode} --uid={uid}' })],
      }),
      job('k', { tasks: [task('t1', { executablePath: 'prog', arguments: '--x {Missing}' })] }),
    ]);
    const run = await engine.runNow('j', { RequestId: 'req-1', uid: 1000 });
    expect(run.status).toBe('succeeded');
    expect(spawned[0]!.args).toEqual(['--request', 'req-1', '--mode', 'strict mode', '--uid=1000']);
    expect(spawned[0]!.options).toMatchObject({ detached: true, cwd: '/' });
    expect(spawned[0]!.options.uid).toBeUndefined();
    const bad = await engine.runNow('k');
    expect(bad).toMatchObject({ status: 'failed', reason: 'task t1 failed: no value for {Missing}' });
    expect(spawned).toHaveLength(1);
  });

  it('merges a JSON object printed on stdout into the context of later tasks, and fails clearly on anything else', async () => {
    make({ produce: { stdout: '{"greeting":"hello","n":2}' }, use: {}, text: { stdout: 'not json' }, list: { stdout: '[1]' } }).load([
      job('ok', {
        tasks: [
          task('t1', { executablePath: 'produce', MergeStdoutJsonIntoContext: true }),
          task('t2', { executablePath: 'use', arguments: '{greeting} {n}' }),
        ],
      }),
      job('text', { tasks: [task('t1', { executablePath: 'text', MergeStdoutJsonIntoContext: true })] }),
      job('list', { tasks: [task('t1', { executablePath: 'list', MergeStdoutJsonIntoContext: true })] }),
    ]);
    expect((await engine.runNow('ok')).status).toBe('succeeded');
    expect(spawned[1]!.args).toEqual(['hello', '2']);
    const text = await engine.runNow('text');
    expect(text.tasks[0]!.reason).toMatch(/^MergeStdoutJsonIntoContext: stdout is not valid JSON/);
    expect((await engine.runNow('list')).tasks[0]!.reason).toBe('MergeStdoutJsonIntoContext: stdout is JSON but not an object (array)');
  });

  it('stops at a failed task unless it may fail, skips tasks of a false plugin setting', async () => {
    settings.set('KeeperMfa', false);
    make({ fail: { code: 3, stderr: 'boom' }, ok: {} }).load([
      job('j', {
        tasks: [
          task('skip', { executablePath: 'ok', SkipWhenPluginSettingFalse: 'KeeperMfa' }),
          task('soft', { executablePath: 'fail', continueOnFailure: true }),
          task('hard', { executablePath: 'fail' }),
          task('never', { executablePath: 'ok' }),
        ],
      }),
    ]);
    const run = await engine.runNow('j');
    expect(run.tasks.map((t) => [t.taskId, t.status, t.exitCode])).toEqual([
      ['skip', 'skipped', null],
      ['soft', 'failed', 3],
      ['hard', 'failed', 3],
    ]);
    expect(run).toMatchObject({
      status: 'failed',
      reason: 'task hard failed: exited with code 3',
      reasonDetail: { code: 'task-failed', values: { task: 'hard', cause: { code: 'exit-code', values: { code: 3 } } } },
    });
    expect(run.tasks[0]).toMatchObject({
      reason: 'plugin setting KeeperMfa is false',
      reasonDetail: { code: 'plugin-setting-false', values: { setting: 'KeeperMfa' } },
    });
    expect(run.tasks[1]!.reasonDetail).toEqual({ code: 'exit-code', values: { code: 3 } });
    // What job_runs keeps reads back the same.
    expect(engine.recentRuns(1)[0]).toMatchObject({
      reasonDetail: run.reasonDetail,
      tasks: [{ reasonDetail: run.tasks[0]!.reasonDetail }, { reasonDetail: run.tasks[1]!.reasonDetail }, {}],
    });
    expect(spawned.map((s) => s.command)).toEqual(['fail', 'fail']);
  });

  it('runs User tasks as the requesting user and UserElevated tasks as root', async () => {
    make({ p: {} }, { gidOf: () => 1001 }).load([
      job('u', { tasks: [task('t', { executablePath: 'p', ExecutionType: 'User' })] }),
      job('e', { tasks: [task('t', { executablePath: 'p', ExecutionType: 'UserElevated' })] }),
    ]);
    await engine.runNow('u', { uid: 1000 });
    await engine.runNow('e', { uid: 1000 });
    expect(spawned.map((s) => [s.options.uid, s.options.gid])).toEqual([
      [1000, 1001],
      [0, 0],
    ]);
    expect((await engine.runNow('u')).reason).toMatch(/needs the requesting user/);
  });

  it("gives UserElevated tasks root's HOME and name, never the requesting user's", async () => {
    const accounts: Record<number, { name: string; home: string }> = { 0: { name: 'root', home: '/root' }, 1000: { name: 'ana', home: '/home/ana' } };
    make({ p: {} }, { accountOf: (uid) => accounts[uid]! }).load([
      job('u', { tasks: [task('t', { executablePath: 'p', ExecutionType: 'User' })] }),
      job('e', { tasks: [task('t', { executablePath: 'p', ExecutionType: 'UserElevated' })] }),
    ]);
    await engine.runNow('u', { uid: 1000 });
    await engine.runNow('e', { uid: 1000 });
    const env = (i: number) => spawned[i]!.options.env!;
    expect([env(0).HOME, env(0).USER, env(0).LOGNAME]).toEqual(['/home/ana', 'ana', 'ana']);
    expect([env(1).HOME, env(1).USER, env(1).LOGNAME]).toEqual(['/root', 'root', 'root']);
    expect(Object.values(env(1)).some((value) => value?.includes('ana'))).toBe(false);
  });

  it('hands UserDesktop tasks to the desktop, resolved, and fails cleanly when it refuses them or its delivery fails', async () => {
    const delivered: Array<{ uid: number; task: ResolvedTask }> = [];
    let answer: Awaited<ReturnType<DesktopDelivery>> | null = { ok: true };
    make(
      {},
      {
        deliverToDesktop: (uid, t) => {
          delivered.push({ uid, task: t });
          return answer ? Promise.resolve(answer) : Promise.reject(new Error('the connection closed'));
        },
      },
    ).load([
      job('d', {
        tasks: [task('mfa', { ExecutionType: 'UserDesktop', executablePath: 'KeeperMFA', arguments: '--request {RequestId}', timeoutSeconds: 300 })],
      }),
    ]);
    expect((await engine.runNow('d', { uid: 1000, RequestId: 'r1' })).status).toBe('succeeded');
    expect(delivered[0]).toMatchObject({ uid: 1000, task: { executablePath: 'KeeperMFA', args: ['--request', 'r1'], executionType: 'UserDesktop' } });
    answer = { ok: false, why: jobReasons.desktopNotConnected(1000) };
    expect(await engine.runNow('d', { uid: 1000, RequestId: 'r2' })).toMatchObject({
      reason: 'task mfa failed: no desktop session of uid 1000 is connected',
      reasonDetail: { code: 'task-failed', values: { task: 'mfa', cause: { code: 'desktop-not-connected', values: {} } } },
    });
    answer = null;
    expect((await engine.runNow('d', { uid: 1000, RequestId: 'r3' })).reason).toBe('task mfa failed: desktop delivery failed: the connection closed');
    // The delivery owns the timeout (desktopTasks.test.ts): the engine arms no timer of its own.
    expect(scheduler.pending).toBe(0);
    expect(spawned).toEqual([]);
  });

  it('keeps the tasks a run finished so far in job_runs while it still runs', async () => {
    const desktop: { answer?: (value: { ok: true }) => void } = {};
    make({ ok: {} }, { deliverToDesktop: () => new Promise((resolve) => (desktop.answer = resolve)) }).load([
      job('j', { tasks: [task('first', { executablePath: 'ok' }), task('desk', { ExecutionType: 'UserDesktop', executablePath: 'KeeperMFA' })] }),
    ]);
    const run = engine.runNow('j', { uid: 1000 });
    while (!desktop.answer) await new Promise((r) => setImmediate(r));
    expect(engine.recentRuns(1)[0]).toMatchObject({ status: 'running', tasks: [{ taskId: 'first', status: 'succeeded' }] });
    desktop.answer({ ok: true });
    expect((await run).tasks.map((t) => [t.taskId, t.status])).toEqual([
      ['first', 'succeeded'],
      ['desk', 'succeeded'],
    ]);
    expect(engine.recentRuns(1)[0]!.tasks).toHaveLength(2);
  });

  it('runs the alternate of a failed job, and refuses a loop of alternates', async () => {
    make({ fail: { code: 1 }, ok: {} }).load([
      job('main', { alternateJobId: 'fallback', tasks: [task('t', { executablePath: 'fail' })] }),
      job('fallback', { tasks: [task('t', { executablePath: 'ok' })] }),
      job('x', { alternateJobId: 'y', tasks: [task('t', { executablePath: 'fail' })] }),
      job('y', { alternateJobId: 'x', tasks: [task('t', { executablePath: 'fail' })] }),
    ]);
    const run = await engine.runNow('main');
    expect(run.status).toBe('failed');
    expect(run.alternate).toMatchObject({ jobId: 'fallback', status: 'succeeded', trigger: 'alternate', alternateOf: 'main' });
    const loop = await engine.runNow('x');
    expect(loop.alternate).toMatchObject({ jobId: 'y', status: 'failed' });
    expect(loop.alternate!.alternate).toBeUndefined();
    const last = events('job.finished').at(-1)!;
    expect(last.data).toMatchObject({ jobId: 'y', alternateNote: 'alternate job x already ran in this chain (loop refused)' });
  });

  it('runs interval, runAt and cron schedules when the scheduler moves, and re-arms on load', async () => {
    make({ i: {}, r: {}, c: {} }).load([
      job('interval', { schedule: { intervalMinutes: 10 }, tasks: [task('t', { executablePath: 'i' })] }),
      job('once', { schedule: { runAt: '2030-01-01T00:30:00Z' }, tasks: [task('t', { executablePath: 'r' })] }),
      job('past', { schedule: { runAt: '2029-01-01T00:00:00Z' }, tasks: [task('t', { executablePath: 'r' })] }),
      job('cron', { schedule: { cronExpression: '0 * * * *' }, tasks: [task('t', { executablePath: 'c' })] }),
    ]);
    const tick = async (ms: number) => {
      scheduler.advance(ms);
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    };
    await tick(9 * 60_000);
    expect(spawned).toEqual([]);
    await tick(60_000);
    expect(spawned.map((s) => s.command)).toEqual(['i']);
    await tick(10 * 60_000);
    await tick(10 * 60_000);
    expect(spawned.map((s) => s.command)).toEqual(['i', 'i', 'r', 'i']);
    for (let i = 0; i < 3; i++) await tick(10 * 60_000);
    expect(spawned.map((s) => s.command)).toEqual(['i', 'i', 'r', 'i', 'i', 'i', 'c', 'i']);
    // A scheduled run still going when its next turn comes is skipped, not overlapped.
    scheduler.advance(20 * 60_000);
    await tick(0);
    expect(engine.recentRuns(1)[0]).toMatchObject({
      jobId: 'interval',
      status: 'skipped',
      reason: 'the previous scheduled run is still going',
      reasonDetail: { code: 'previous-run-going', values: {} },
    });
    expect(engine.recentRuns(1)[0]!.trigger).toBe('schedule');
    engine.load([]);
    expect(scheduler.pending).toBe(0);
  });

  it('keeps runs in job_runs and the audit log with output redacted and cut to 4 KiB', async () => {
    make({
      leak: { stdout: `token=abc123 password: "hunter2" ${'x'.repeat(10_000)}` },
      json: { stdout: '{"user":"ana","secretKey":"s3","nested":{"code":"123456"}}', code: 1 },
    }).load([job('leak', { tasks: [task('t', { executablePath: 'leak' })] }), job('json', { tasks: [task('t', { executablePath: 'json' })] })]);
    await engine.runNow('leak', { uid: 1000, RequestId: 'r9' });
    await engine.runNow('json');
    const text = JSON.stringify(events());
    expect(text).not.toMatch(/abc123|hunter2|"s3"|123456/);
    const finished = events('task.finished');
    expect(finished[0]).toMatchObject({ actorUid: 1000, requestId: 'r9' });
    expect(String(finished[0]!.data.stdout)).toMatch(/^token=\[REDACTED\] password: \[REDACTED\] x+…\[truncated \d+ bytes\]$/);
    expect(Buffer.byteLength(String(finished[0]!.data.stdout))).toBeLessThan(4200);
    expect(JSON.parse(String(finished[1]!.data.stdout))).toEqual({ user: 'ana', secretKey: '[REDACTED]', nested: { code: '[REDACTED]' } });
    const runs = engine.recentRuns(10);
    expect(runs.map((r) => [r.jobId, r.status])).toEqual([
      ['json', 'failed'],
      ['leak', 'succeeded'],
    ]);
    expect(runs[0]!.tasks[0]).toMatchObject({ exitCode: 1, status: 'failed' });
  });

  it('evaluates job conditions with the built-in evaluator, or asks the injected one', async () => {
    make({ p: {} }).load([job('c', { condition: 'RiskScore > 50', tasks: [task('t', { executablePath: 'p' })] })]);
    expect(await engine.runNow('c', { RiskScore: 40 })).toMatchObject({
      status: 'skipped',
      reason: 'its condition is false: RiskScore > 50',
      reasonDetail: { code: 'condition-false', values: { condition: 'RiskScore > 50' } },
    });
    expect((await engine.runNow('c', { RiskScore: '75' })).status).toBe('succeeded');
    expect(await engine.runNow('c', { RiskScore: [1] })).toMatchObject({
      status: 'skipped',
      reason: 'its condition cannot be evaluated: cannot compare [1] > 50',
      reasonDetail: { code: 'condition-error', values: { condition: 'RiskScore > 50', error: 'cannot compare [1] > 50' } },
    });
    await engine.stop();
    make({ p: {} }, { evaluateCondition: (_c, ctx) => ctx.RiskScore === 60 }).load([
      job('c', { condition: 'RiskScore > 50', tasks: [task('t', { executablePath: 'p' })] }),
    ]);
    expect((await engine.runNow('c', { RiskScore: 60 })).status).toBe('succeeded');
    expect((await engine.runNow('c', { RiskScore: 10 })).status).toBe('skipped');
  });

  it('refuses a manual run of an unknown or disabled job, and reports a program that cannot start', async () => {
    make({}).load([job('off', { enabled: false }), job('missing', { tasks: [task('t', { executablePath: 'nope' })] })]);
    await expect(engine.runNow('zzz')).rejects.toThrow('no job zzz');
    await expect(engine.runNow('off')).rejects.toThrow('job off cannot run: it is disabled');
    const missing = await engine.runNow('missing');
    expect(missing.reason).toMatch(/cannot start nope: spawn nope ENOENT/);
    // The OS's own words stay verbatim as a value.
    expect(missing.tasks[0]!.reasonDetail).toEqual({
      code: 'start-failed',
      values: { executable: 'nope', error: expect.stringMatching(/spawn nope ENOENT/) as unknown },
    });
  });

  it('marks runs left running by a previous agent as interrupted', () => {
    db.prepare("INSERT INTO job_runs (id, job_id, trigger, status, started_at) VALUES ('r', 'j', 'manual', 'running', '2029-01-01T00:00:00Z')").run();
    make({});
    expect(engine.recentRuns(1)[0]).toMatchObject({
      runId: 'r',
      status: 'interrupted',
      reason: 'the agent stopped during the run',
      reasonDetail: { code: 'agent-stopped', values: {} },
    });
  });

  it('reads rows an older agent kept, without a reason code, as English only', () => {
    db.prepare(
      "INSERT INTO job_runs (id, job_id, trigger, status, reason, started_at, tasks_json) VALUES ('old', 'j', 'manual', 'failed', 'task t failed: exited with code 1', '2029-01-01T00:00:00Z', ?)",
    ).run(
      JSON.stringify([
        {
          taskId: 't',
          name: 'T',
          executionType: 'Service',
          status: 'failed',
          exitCode: 1,
          signal: null,
          durationMs: 5,
          reason: 'exited with code 1',
          stdout: '',
          stderr: '',
        },
      ]),
    );
    make({});
    const old = engine.recentRuns(1)[0]!;
    expect(old).toMatchObject({ runId: 'old', reason: 'task t failed: exited with code 1' });
    expect(old.reasonDetail).toBeUndefined();
    expect(old.tasks[0]!.reasonDetail).toBeUndefined();
  });

  it('gives job_runs of an agent database from before reason codes its reason_detail_json column', () => {
    // As such a database was: the schema steps before that one, and job_runs made by the engine itself.
    const legacyDir = mkdtempSync(join(tmpdir(), 'kp-jobs-legacy-'));
    const ADD_COLUMN = 'ALTER TABLE job_runs ADD COLUMN reason_detail_json TEXT;';
    const step = MIGRATIONS.findIndex((m) => m.includes(ADD_COLUMN));
    const legacy = new Database(join(legacyDir, 'agent.db'));
    for (const migration of MIGRATIONS.slice(0, step)) legacy.exec(migration);
    legacy.exec(MIGRATIONS[step]!.replace(ADD_COLUMN, ''));
    legacy.pragma(`user_version = ${step}`);
    legacy
      .prepare("INSERT INTO job_runs (id, job_id, trigger, status, reason, started_at) VALUES ('kept', 'j', 'manual', 'failed', 'x', '2029-01-01T00:00:00Z')")
      .run();
    legacy.close();
    const upgraded = openAgentDatabase(legacyDir);
    try {
      const columns = (upgraded.prepare('PRAGMA table_info(job_runs)').all() as Array<{ name: string }>).map((c) => c.name);
      expect(columns).toContain('reason_detail_json');
      expect(upgraded.prepare("SELECT reason FROM job_runs WHERE id = 'kept'").get()).toEqual({ reason: 'x' });
    } finally {
      upgraded.close();
      rmSync(legacyDir, { recursive: true, force: true });
    }
  });
});

describe('helpers', () => {
  it('substitute leaves no placeholder behind and stringifies non-strings', () => {
    expect(substitute('{a}-{b}-{c}', { a: 'x', b: 2, c: { d: true } })).toBe('x-2-{"d":true}');
    expect(() => substitute('{a}', { a: null })).toThrow('no value for {a}');
    expect(substitute('{ not a var }', {})).toBe('{ not a var }');
  });

  it('redactOutput handles key=value, key: value and JSON', () => {
    expect(redactOutput('api_key=k1 AccessToken: t1 "password":"p w" ok=1')).toBe('api_key=[REDACTED] AccessToken: [REDACTED] "password":[REDACTED] ok=1');
    expect(redactOutput('[{"Password":"x"}]')).toBe('[{"Password":"[REDACTED]"}]');
  });
});
