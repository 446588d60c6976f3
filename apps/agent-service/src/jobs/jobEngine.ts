import { spawn as nodeSpawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import type { AuditLog } from '../audit/auditLog.ts';
import type { Clock, Scheduler } from '../time/clock.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { JobReasonDetail, JobTaskReasonDetail } from '../../../../shared/protocol/src/common/index.ts';
import { evaluateCondition } from './condition.ts';
import { MissingValueError, jobReasons, type Why } from './jobReasons.ts';
import { calendarToCron, type ExecutionType, type JobPlatform, type JobTask, type KeeperJob } from './jobSchema.ts';
import { splitArguments } from './taskArguments.ts';
import type { JobContext, JobRun, JobRunStatus, JobTrigger, TaskOutcome, TaskStatus } from './jobRun.ts';
import { RunRecord, actorOf, insertRun } from './runRecord.ts';
import { runAsNodeEnv } from './runAsNodeEnv.ts';
import { withChildUmask } from '../runtime/childUmask.ts';
import type { Logger } from '../log/logger.ts';

/** A task as handed to a desktop: placeholders already replaced, arguments split. */
export interface ResolvedTask {
  readonly jobId: string;
  readonly runId: string;
  readonly id: string;
  readonly name: string;
  readonly executionType: ExecutionType;
  readonly executablePath: string;
  readonly args: readonly string[];
  readonly timeoutSeconds: number;
}

/**
 * Hands a UserDesktop task to the desktop of `uid`. It owns the task's timeout, since only it knows
 * when the desktop answered: it settles within `task.timeoutSeconds` at the latest, failing with
 * `no answer from the desktop within N s`.
 */
export type DesktopDelivery = (
  uid: number,
  task: ResolvedTask,
  context: Readonly<JobContext>,
) => Promise<{ readonly ok: true } | { readonly ok: false; readonly why: Why<JobTaskReasonDetail> }>;

/** The one seam where processes start (Node's spawn by default; tests may script it). */
export type Spawner = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

export interface TaskAccount {
  readonly name: string | null;
  readonly home: string | null;
}

export interface JobEngineDependencies {
  readonly db: AgentDatabase;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly audit: Pick<AuditLog, 'append'>;
  readonly pluginSettings: (name: string) => boolean;
  readonly log: Logger;
  readonly spawn?: Spawner;
  readonly platform?: JobPlatform;
  readonly deliverToDesktop?: DesktopDelivery;
  /** gid of a uid (primary group); defaults to the uid itself when it cannot be known. */
  readonly gidOf?: (uid: number) => number;
  /** Name and home folder of a uid, for the environment of User and UserElevated tasks; may wait on a directory. */
  readonly accountOf?: (uid: number) => TaskAccount | Promise<TaskAccount>;
  /**
   * The user a UserDesktop task of a run without a requester goes to: the one its `DesktopUser`
   * parameter names, else the console user (null when there is none).
   */
  readonly desktopUser?: (name: string | null) => number | null | Promise<number | null>;
  /** Decides a non-empty `condition`; the built-in evaluator (condition.ts) by default. */
  readonly evaluateCondition?: (condition: string, context: Readonly<JobContext>) => boolean;
  /**
   * Variables every run sees (NodePath, AgentScript, DataDir, AgentVersion); they override job
   * parameters and trigger values, so no file or caller can point them elsewhere.
   */
  readonly builtins?: Readonly<Record<string, string>>;
  /** Told when a run starts or ends (clients showing runs refresh). */
  readonly onRunChanged?: (run: { readonly runId: string; readonly jobId: string; readonly status: JobRunStatus }) => void;
  /** After SIGTERM at the timeout, how long a process group has before SIGKILL. */
  readonly killGraceMs?: number;
  /** Most bytes of stdout/stderr kept in memory per task (the JSON to merge must fit). */
  readonly maxOutputBytes?: number;
}

const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Longest delay a Node timer takes; later dates are reached in hops. */
const MAX_TIMER_MS = 2_147_483_647;
const MAX_ALTERNATE_CHAIN = 10;

export function currentPlatform(platform: NodeJS.Platform = process.platform): JobPlatform {
  return platform === 'win32' ? 'windows' : platform === 'darwin' ? 'macos' : 'linux';
}

/** Replaces `{Name}` placeholders from the context; an unknown name is an error, never left in place. */
export function substitute(template: string, context: Readonly<JobContext>): string {
  return template.replace(/\{([A-Za-z_][\w.-]*)\}/g, (_all, name: string) => {
    if (!Object.hasOwn(context, name) || context[name] === undefined || context[name] === null) throw new MissingValueError(name);
    const value = context[name];
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    return JSON.stringify(value) ?? '';
  });
}

/** Who a User or UserElevated task runs as, and whose environment it gets. */
interface TaskIdentity {
  readonly uid: number;
  readonly gid: number;
  readonly user: { readonly name: string; readonly home: string };
}

interface Running {
  readonly child: ChildProcess;
  kill(): void;
}

interface RunRow {
  id: string;
  job_id: string;
  trigger: JobTrigger;
  event_type: string | null;
  status: JobRunStatus;
  reason: string | null;
  reason_detail_json: string | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  alternate_of: string | null;
  tasks_json: string;
}

/**
 * Runs Keeper jobs: on events (`fire`), by hand (`runNow`) and on their schedules. Tasks of a job
 * run in order; each outcome goes to the audit log and the `job_runs` table. Service tasks run as
 * the agent, User tasks as the requesting user, UserElevated tasks for the requesting user as root with root's clean environment, UserDesktop tasks are
 * handed to the user's desktop. Every task's process group is killed at its timeout, and does not
 * outlive the task's main process.
 */
export class JobEngine {
  private readonly deps: JobEngineDependencies;
  private readonly spawn: Spawner;
  private readonly platform: JobPlatform;
  private readonly killGraceMs: number;
  private readonly maxOutputBytes: number;
  private jobs = new Map<string, KeeperJob>();
  private cancelSchedules: Array<() => void> = [];
  private readonly running = new Set<Running>();
  private readonly scheduledBusy = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly nextRuns = new Map<string, number>();
  private readonly evaluate: (condition: string, context: Readonly<JobContext>) => boolean;
  private stopped = false;

  constructor(deps: JobEngineDependencies) {
    this.deps = deps;
    this.spawn = deps.spawn ?? ((command, args, options) => nodeSpawn(command, [...args], options));
    this.platform = deps.platform ?? currentPlatform();
    this.killGraceMs = deps.killGraceMs ?? 2_000;
    this.maxOutputBytes = deps.maxOutputBytes ?? 1024 * 1024;
    this.evaluate = deps.evaluateCondition ?? evaluateCondition;
    // Runs cut off by a previous stop or crash never finish: say so instead of leaving them running.
    const stopped = jobReasons.agentStopped();
    deps.db
      .prepare("UPDATE job_runs SET status = 'interrupted', reason = ?, reason_detail_json = ? WHERE status = 'running'")
      .run(stopped.reason, JSON.stringify(stopped.detail));
  }

  /** Replaces the job set and re-arms every schedule. */
  load(jobs: readonly KeeperJob[]): void {
    for (const cancel of this.cancelSchedules) cancel();
    this.cancelSchedules = [];
    this.nextRuns.clear();
    this.jobs = new Map(jobs.map((job) => [job.id, job]));
    if (this.stopped) return;
    for (const job of this.jobs.values()) if (this.runnable(job) === null && job.schedule) this.arm(job);
  }

  get loaded(): readonly KeeperJob[] {
    return [...this.jobs.values()];
  }

  /**
   * The jobs an event runs here, in the order they run: enabled, of this OS, listening to the event;
   * priority 1 first, equal priorities by id. Their conditions are left to the caller (a run records
   * a false one as `skipped`).
   */
  readyFor(eventType: string): KeeperJob[] {
    return [...this.jobs.values()]
      .filter((job) => job.events.some((e) => e.eventType === eventType) && this.runnable(job) === null)
      .sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
  }

  /** Runs every job `readyFor` the event, one after another. */
  async fire(eventType: string, context: JobContext = {}): Promise<JobRun[]> {
    const runs: JobRun[] = [];
    for (const job of this.readyFor(eventType)) {
      if (this.stopped) break;
      runs.push(await this.track(this.runJob(job, context, 'event', eventType, null, new Set())));
    }
    return runs;
  }

  /** The manual trigger: runs one job now, even one without events or schedule (not a disabled one). */
  async runNow(jobId: string, context: JobContext = {}): Promise<JobRun> {
    return this.start(jobId, context).finished;
  }

  /**
   * `runNow`, telling the run's id at once; with `eventType` the run counts as that event's (one
   * job of an event another part of the agent picked). Throws when the job is unknown or cannot run here.
   */
  start(jobId: string, context: JobContext = {}, eventType?: string): { readonly runId: string; readonly finished: Promise<JobRun> } {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    const refusal = this.runnable(job);
    if (refusal) throw new Error(`job ${jobId} cannot run: ${refusal}`);
    const runId = randomUUID();
    const how: JobTrigger = eventType === undefined ? 'manual' : 'event';
    return { runId, finished: this.track(this.runJob(job, context, how, eventType ?? 'Manual', null, new Set(), runId)) };
  }

  /** Why a job does not run here (`disabled`, `otherPlatform`), or `ready`; and when its schedule fires next. */
  stateOf(jobId: string): { readonly state: 'ready' | 'disabled' | 'otherPlatform'; readonly nextRunAt: string | null } {
    const job = this.jobs.get(jobId);
    const state = !job || !job.enabled ? 'disabled' : job.osFilter.includes(this.platform) ? 'ready' : 'otherPlatform';
    const next = this.nextRuns.get(jobId);
    return { state, nextRunAt: next === undefined ? null : new Date(next).toISOString() };
  }

  /**
   * Records a run whose tasks another part of the agent carries out (the policy-controls job, whose
   * UserDesktop tasks are the control prompts): each task outcome and the end are stored and
   * audited exactly as for runs of this engine.
   */
  recordRun(job: KeeperJob, eventType: string, context: JobContext): RunRecord {
    return new RunRecord({ deps: this.deps, run: { job, trigger: 'event', eventType, alternateOf: null, context, requestIdIn: 'data' } });
  }

  /** Newest first; `filter` narrows to one job and/or to the runs of one user plus those of no user. */
  recentRuns(limit = 50, filter: { readonly jobId?: string; readonly uid?: number } = {}): JobRun[] {
    const rows = this.deps.db
      .prepare(
        `SELECT * FROM job_runs WHERE (@jobId IS NULL OR job_id = @jobId) AND (@uid IS NULL OR actor_uid IS NULL OR actor_uid = @uid)
         ORDER BY started_at DESC, rowid DESC LIMIT @limit`,
      )
      .all({ jobId: filter.jobId ?? null, uid: filter.uid ?? null, limit }) as RunRow[];
    return rows.map((row) => ({
      runId: row.id,
      jobId: row.job_id,
      trigger: row.trigger,
      eventType: row.event_type,
      status: row.status,
      reason: row.reason,
      ...(row.reason_detail_json ? { reasonDetail: JSON.parse(row.reason_detail_json) as JobReasonDetail } : {}),
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      durationMs: row.duration_ms,
      alternateOf: row.alternate_of,
      tasks: JSON.parse(row.tasks_json) as TaskOutcome[],
    }));
  }

  /** Cancels the schedules, kills every running task's process group and waits for the runs to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.cancelSchedules) cancel();
    this.cancelSchedules = [];
    for (const run of this.running) run.kill();
    await Promise.allSettled([...this.inFlight]);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    // Runs record their own failures; a rejection here is a bug in the engine, said once for every caller.
    void promise.then(
      () => this.inFlight.delete(promise),
      (error: unknown) => {
        this.inFlight.delete(promise);
        this.deps.log.error({ err: error instanceof Error ? error.message : String(error) }, 'job run failed outside its run record');
      },
    );
    return promise;
  }

  /** null when the job may run here, else why not. */
  private runnable(job: KeeperJob): string | null {
    if (!job.enabled) return 'it is disabled';
    if (!job.osFilter.includes(this.platform)) return `it does not run on ${this.platform}`;
    return null;
  }

  /* ------------------------------------------------------------------------------------------ */
  /* Schedules                                                                                    */
  /* ------------------------------------------------------------------------------------------ */

  private arm(job: KeeperJob): void {
    const schedule = job.schedule!;
    const now = this.deps.clock.now();
    const fire = (instant: number, then: () => void) => {
      this.nextRuns.set(job.id, instant);
      this.at(instant, () => {
        this.nextRuns.delete(job.id);
        this.scheduledRun(job);
        then();
      });
    };
    if (schedule.intervalMinutes !== undefined) {
      const every = schedule.intervalMinutes * 60_000;
      const next = (from: number) => fire(from + every, () => next(from + every));
      next(now.getTime());
    } else if (schedule.runAt !== undefined) {
      const at = Date.parse(schedule.runAt);
      if (at > now.getTime()) fire(at, () => {});
    } else {
      const pattern = schedule.cronExpression ?? calendarToCron(schedule.calendar!);
      const cron = new Cron(pattern);
      const next = (after: number) => {
        const when = cron.nextRun(new Date(Math.max(after, this.deps.clock.now().getTime())));
        if (when) fire(when.getTime(), () => next(when.getTime()));
      };
      next(now.getTime());
    }
  }

  /** Runs `run` at an instant of the clock, in hops when it is further away than a timer reaches. */
  private at(instant: number, run: () => void): void {
    const delay = instant - this.deps.clock.now().getTime();
    let cancel: () => void;
    if (delay > MAX_TIMER_MS) {
      cancel = this.deps.scheduler.schedule(MAX_TIMER_MS, () => {
        this.forget(cancel);
        this.at(instant, run);
      });
    } else {
      cancel = this.deps.scheduler.schedule(Math.max(0, delay), () => {
        this.forget(cancel);
        run();
      });
    }
    this.cancelSchedules.push(cancel);
  }

  private forget(cancel: () => void): void {
    const index = this.cancelSchedules.indexOf(cancel);
    if (index >= 0) this.cancelSchedules.splice(index, 1);
  }

  /** A scheduled run is skipped while the previous scheduled run of the same job is still going. */
  private scheduledRun(job: KeeperJob): void {
    if (this.stopped || this.jobs.get(job.id) !== job) return;
    if (this.scheduledBusy.has(job.id)) {
      this.record(job, 'schedule', null, null, {}, 'skipped', jobReasons.previousRunGoing());
      return;
    }
    this.scheduledBusy.add(job.id);
    const release = () => this.scheduledBusy.delete(job.id);
    void this.track(this.runJob(job, {}, 'schedule', null, null, new Set())).then(release, release);
  }

  /* ------------------------------------------------------------------------------------------ */
  /* Runs                                                                                         */
  /* ------------------------------------------------------------------------------------------ */

  private record(
    job: KeeperJob,
    trigger: JobTrigger,
    eventType: string | null,
    alternateOf: string | null,
    context: JobContext,
    status: JobRunStatus,
    why: Why,
    runId: string = randomUUID(),
  ): JobRun {
    const now = this.deps.clock.now().toISOString();
    const { reason, detail: reasonDetail } = why;
    const run: JobRun = {
      runId,
      jobId: job.id,
      trigger,
      eventType,
      status,
      reason,
      reasonDetail,
      startedAt: now,
      finishedAt: now,
      durationMs: 0,
      alternateOf,
      tasks: [],
    };
    insertRun(this.deps.db, run, context);
    this.deps.audit.append(
      { type: 'job.finished', ...actorOf(context), data: { runId: run.runId, jobId: job.id, trigger, eventType, status, reason, reasonDetail, durationMs: 0 } },
      this.deps.clock.now(),
    );
    this.deps.onRunChanged?.({ runId: run.runId, jobId: job.id, status });
    return run;
  }

  /** null when the condition holds, else why the job or task is skipped. */
  private conditionFails(condition: string, context: JobContext): Why<JobTaskReasonDetail> | null {
    if (condition.trim() === '') return null;
    try {
      return this.evaluate(condition, context) ? null : jobReasons.conditionFalse(condition);
    } catch (error) {
      return jobReasons.conditionError(condition, (error as Error).message);
    }
  }

  private async runJob(
    job: KeeperJob,
    trigger: JobContext,
    how: JobTrigger,
    eventType: string | null,
    alternateOf: string | null,
    chain: Set<string>,
    runId: string = randomUUID(),
  ): Promise<JobRun> {
    chain.add(job.id);
    const skip = this.conditionFails(job.condition, { ...job.parameters, ...trigger, ...this.deps.builtins });
    if (skip) return this.record(job, how, eventType, alternateOf, trigger, 'skipped', skip, runId);

    const context: JobContext = { ...job.parameters, ...trigger, ...this.deps.builtins, JobId: job.id, RunId: runId };
    const record = new RunRecord({ deps: this.deps, run: { job, trigger: how, eventType, alternateOf, context: trigger, runId, requestIdIn: 'column' } });

    let failure: Why | null = null;
    for (const task of job.tasks) {
      if (this.stopped) {
        failure = jobReasons.agentStopping();
        break;
      }
      const { outcome, why } = await this.runTask(job, runId, task, context);
      record.task(outcome);
      if (outcome.status === 'failed' && why && !task.continueOnFailure) {
        failure = jobReasons.taskFailed(task.id, why);
        break;
      }
    }

    let alternateNote: string | null = null;
    if (failure && job.alternateJobId && !this.stopped) {
      const next = this.jobs.get(job.alternateJobId);
      if (!next) alternateNote = `alternate job ${job.alternateJobId} is not loaded`;
      else if (chain.has(next.id)) alternateNote = `alternate job ${next.id} already ran in this chain (loop refused)`;
      else if (chain.size >= MAX_ALTERNATE_CHAIN) alternateNote = `more than ${MAX_ALTERNATE_CHAIN} alternates in a row refused`;
      else if (this.runnable(next)) alternateNote = `alternate job ${next.id} cannot run: ${this.runnable(next)}`;
    }
    const result = record.finish(failure, { alternateJobId: failure && job.alternateJobId ? job.alternateJobId : null, alternateNote });
    if (!failure || !job.alternateJobId || alternateNote) return result;
    return { ...result, alternate: await this.runJob(this.jobs.get(job.alternateJobId)!, trigger, 'alternate', eventType, job.id, chain) };
  }

  /** The task's outcome, and why it did not succeed (for the run's own reason). */
  private async runTask(
    job: KeeperJob,
    runId: string,
    task: JobTask,
    context: JobContext,
  ): Promise<{ outcome: TaskOutcome; why: Why<JobTaskReasonDetail> | null }> {
    const started = this.deps.clock.now();
    const outcome = (
      status: TaskStatus,
      why: Why<JobTaskReasonDetail> | null,
      extra: { exitCode?: number | null; signal?: string | null; stdout?: string; stderr?: string } = {},
    ) => ({
      why,
      outcome: {
        taskId: task.id,
        name: task.name,
        executionType: task.ExecutionType,
        status,
        exitCode: extra.exitCode ?? null,
        signal: extra.signal ?? null,
        durationMs: this.deps.clock.now().getTime() - started.getTime(),
        reason: why?.reason ?? null,
        ...(why ? { reasonDetail: why.detail } : {}),
        stdout: extra.stdout ?? '',
        stderr: extra.stderr ?? '',
      },
    });

    if (task.SkipWhenPluginSettingFalse !== undefined && !this.deps.pluginSettings(task.SkipWhenPluginSettingFalse)) {
      return outcome('skipped', jobReasons.pluginSettingFalse(task.SkipWhenPluginSettingFalse));
    }
    const skip = this.conditionFails(task.condition, context);
    if (skip) return outcome('skipped', skip);
    let resolved: ResolvedTask;
    try {
      resolved = {
        jobId: job.id,
        runId,
        id: task.id,
        name: task.name,
        executionType: task.ExecutionType,
        executablePath: substitute(task.executablePath, context),
        args: splitArguments(task.arguments).map((word) => substitute(word, context)),
        timeoutSeconds: task.timeoutSeconds,
      };
    } catch (error) {
      if (error instanceof MissingValueError) return outcome('failed', error.why);
      throw error;
    }

    if (task.ExecutionType === 'UserDesktop') return this.deliver(resolved, context, outcome);

    let identity: TaskIdentity | null = null;
    if (task.ExecutionType === 'User' || task.ExecutionType === 'UserElevated') {
      const uid = context.uid;
      if (typeof uid !== 'number' || !Number.isInteger(uid) || uid < 0) return outcome('failed', jobReasons.needsRequester(task.ExecutionType));
      if (task.ExecutionType === 'User') {
        const account = (await this.deps.accountOf?.(uid)) ?? { name: null, home: null };
        const user = { name: account.name ?? String(uid), home: account.home ?? '/' };
        identity = { uid, gid: typeof context.gid === 'number' ? context.gid : (this.deps.gidOf?.(uid) ?? uid), user };
      } else {
        // UserElevated runs as root, so it gets root's own environment: the user's HOME would let
        // their dotfiles (.bashrc, .gitconfig, .npmrc, …) steer a root process.
        const root = (await this.deps.accountOf?.(0)) ?? { name: null, home: null };
        identity = { uid: 0, gid: 0, user: { name: root.name ?? 'root', home: root.home ?? '/root' } };
      }
    }
    const result = await this.spawnTask(resolved, identity);
    if (result.error) return outcome('failed', jobReasons.startFailed(resolved.executablePath, result.error), result);
    if (result.timedOut) return outcome('failed', jobReasons.timedOut(task.timeoutSeconds), result);
    if (result.signal) return outcome('failed', jobReasons.killedBySignal(result.signal), result);
    if (result.exitCode !== 0) return outcome('failed', jobReasons.exitCode(result.exitCode ?? -1), result);
    if (task.MergeStdoutJsonIntoContext) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(result.stdout);
      } catch (error) {
        return outcome('failed', jobReasons.stdoutNotJson((error as Error).message), result);
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        const kind = Array.isArray(parsed) ? 'array' : parsed === null ? 'null' : (typeof parsed as 'string' | 'number' | 'boolean');
        return outcome('failed', jobReasons.stdoutNotObject(kind), result);
      }
      for (const [key, value] of Object.entries(parsed)) if (key !== '__proto__') context[key] = value;
    }
    return outcome('succeeded', null, result);
  }

  private async deliver<Outcome>(
    task: ResolvedTask,
    context: JobContext,
    outcome: (status: TaskStatus, why: Why<JobTaskReasonDetail> | null) => Outcome,
  ): Promise<Outcome> {
    let uid = context.uid;
    if (uid === undefined) {
      const named = typeof context.DesktopUser === 'string' && context.DesktopUser !== '' ? context.DesktopUser : null;
      uid = (await this.deps.desktopUser?.(named)) ?? null;
      if (uid === null) return outcome('failed', named ? jobReasons.unknownDesktopUser(named) : jobReasons.noDesktopUser());
    }
    if (typeof uid !== 'number' || !Number.isInteger(uid) || uid < 0) return outcome('failed', jobReasons.needsRequester('UserDesktop'));
    if (!this.deps.deliverToDesktop) return outcome('failed', jobReasons.noDesktopDelivery());
    try {
      const answer = await this.deps.deliverToDesktop(uid, task, { ...context });
      return answer.ok ? outcome('succeeded', null) : outcome('failed', answer.why);
    } catch (error) {
      return outcome('failed', jobReasons.deliveryError((error as Error).message));
    }
  }

  private spawnTask(
    task: ResolvedTask,
    identity: TaskIdentity | null,
  ): Promise<{ exitCode: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean; error: string | null }> {
    return new Promise((resolve) => {
      let child: ChildProcess;
      const env: NodeJS.ProcessEnv = {
        PATH: SAFE_PATH,
        LANG: 'C.UTF-8',
        HOME: identity ? identity.user.home : '/root',
        ...(identity ? { USER: identity.user.name, LOGNAME: identity.user.name } : {}),
        KEEPER_JOB_ID: task.jobId,
        KEEPER_JOB_RUN_ID: task.runId,
        KEEPER_TASK_ID: task.id,
        ...runAsNodeEnv(task.executablePath),
      };
      try {
        const ids = identity ? { uid: identity.uid, gid: identity.gid } : {};
        child = withChildUmask(() => this.spawn(task.executablePath, task.args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: '/', env, ...ids }));
      } catch (error) {
        resolve({ exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, error: (error as Error).message });
        return;
      }
      const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
      const sizes = { stdout: 0, stderr: 0 };
      const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
        if (sizes[stream] >= this.maxOutputBytes) return;
        chunks[stream].push(chunk.subarray(0, this.maxOutputBytes - sizes[stream]));
        sizes[stream] += chunk.length;
      };
      child.stdout?.on('data', collect('stdout'));
      child.stderr?.on('data', collect('stderr'));

      const signalGroup = (signal: NodeJS.Signals) => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, signal);
        } catch (error) {
          // The group is gone already (ESRCH).
          this.deps.log.debug({ pid: child.pid, signal, err: (error as Error).message }, 'job process group not signalled');
        }
      };
      let timedOut = false;
      let cancelGrace = () => {};
      const kill = () => {
        signalGroup('SIGTERM');
        cancelGrace = this.deps.scheduler.schedule(this.killGraceMs, () => signalGroup('SIGKILL'));
      };
      const cancelTimeout = this.deps.scheduler.schedule(task.timeoutSeconds * 1000, () => {
        timedOut = true;
        kill();
      });
      const entry: Running = { child, kill };
      this.running.add(entry);

      let settled = false;
      const settle = (exitCode: number | null, signal: string | null, error: string | null) => {
        if (settled) return;
        settled = true;
        cancelTimeout();
        cancelGrace();
        this.running.delete(entry);
        resolve({
          exitCode,
          signal,
          stdout: Buffer.concat(chunks.stdout).toString('utf8'),
          stderr: Buffer.concat(chunks.stderr).toString('utf8'),
          timedOut,
          error,
        });
      };
      // What the main process left behind in its group (e.g. `cmd &`) does not outlive the task.
      child.once('exit', () => signalGroup('SIGKILL'));
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) => settle(code, signal, null));
      child.once('error', (error) => settle(null, null, error.message));
    });
  }
}
