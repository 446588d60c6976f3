import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/auditLog.ts';
import type { Clock } from '../time/clock.ts';
import type { AgentDatabase } from '../store/database.ts';
import type { JobContext, JobRun, JobRunStatus, JobTrigger, TaskOutcome } from './jobRun.ts';
import type { RunFailure } from './jobReasons.ts';
import { redactOutput } from './redactOutput.ts';
import type { KeeperJob } from './jobSchema.ts';

export interface RunRecordDependencies {
  readonly db: AgentDatabase;
  readonly clock: Clock;
  readonly audit: Pick<AuditLog, 'append'>;
  readonly onRunChanged?: (run: { readonly runId: string; readonly jobId: string; readonly status: JobRunStatus }) => void;
}

export interface RunStart {
  readonly job: KeeperJob;
  readonly trigger: JobTrigger;
  readonly eventType: string | null;
  readonly alternateOf: string | null;
  readonly context: JobContext;
  readonly runId?: string;
  /**
   * Where the audit events name the run's request: `column` makes them part of the request's audit
   * trail; `data` (the policy-controls run) leaves that trail as the elevation service writes it and
   * names the request in the events' data only (job_runs.request_id has it either way).
   */
  readonly requestIdIn: 'column' | 'data';
}

/** The requesting user and request a run context names, if any. */
export function actorOf(context: JobContext): { actorUid: number | null; requestId: string | null } {
  const uid = context.uid;
  const requestId = context.RequestId ?? context.requestId;
  return { actorUid: typeof uid === 'number' && Number.isInteger(uid) ? uid : null, requestId: typeof requestId === 'string' ? requestId : null };
}

export function insertRun(db: AgentDatabase, run: JobRun, context: JobContext): void {
  const { actorUid, requestId } = actorOf(context);
  db.prepare(
    `INSERT INTO job_runs (id, job_id, trigger, event_type, actor_uid, request_id, status, reason, reason_detail_json, started_at, finished_at, duration_ms, alternate_of, tasks_json)
     VALUES (@id, @jobId, @trigger, @eventType, @actorUid, @requestId, @status, @reason, @reasonDetail, @startedAt, @finishedAt, @durationMs, @alternateOf, @tasks)`,
  ).run({
    id: run.runId,
    jobId: run.jobId,
    trigger: run.trigger,
    eventType: run.eventType,
    actorUid,
    requestId,
    status: run.status,
    reason: run.reason,
    reasonDetail: run.reasonDetail ? JSON.stringify(run.reasonDetail) : null,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.durationMs,
    alternateOf: run.alternateOf,
    tasks: JSON.stringify(run.tasks),
  });
}

/**
 * The bookkeeping of one run from start to end, the same for runs of the engine and for runs whose
 * tasks another part of the agent carries out: the job_runs row (its tasks kept current), the
 * job.started, task.finished and job.finished audit events, and the change notices. Task output is
 * redacted and cut to 4 KiB before anything keeps it.
 */
export class RunRecord {
  readonly runId: string;
  private readonly deps: RunRecordDependencies;
  private readonly running: JobRun;
  private readonly started: Date;
  private readonly actor: { actorUid: number | null; requestId: string | null };
  /** Spread into every event's data: the request, when the actor columns do not carry it. */
  private readonly requestInData: { requestId?: string | null };
  private readonly outcomes: TaskOutcome[] = [];
  private result: JobRun | null = null;

  constructor({ deps, run }: { deps: RunRecordDependencies; run: RunStart }) {
    const { job, trigger, eventType, alternateOf, context, runId = randomUUID(), requestIdIn } = run;
    this.deps = deps;
    this.runId = runId;
    this.started = deps.clock.now();
    const actor = actorOf(context);
    this.actor = requestIdIn === 'column' ? actor : { actorUid: actor.actorUid, requestId: null };
    this.requestInData = requestIdIn === 'column' ? {} : { requestId: actor.requestId };
    this.running = {
      runId,
      jobId: job.id,
      trigger,
      eventType,
      status: 'running',
      reason: null,
      startedAt: this.started.toISOString(),
      finishedAt: null,
      durationMs: null,
      alternateOf,
      tasks: [],
    };
    insertRun(deps.db, this.running, context);
    deps.audit.append(
      {
        type: 'job.started',
        ...this.actor,
        data: { runId, jobId: job.id, name: job.name, trigger, eventType, alternateOf, tasks: job.tasks.length, ...this.requestInData },
      },
      this.started,
    );
    deps.onRunChanged?.({ runId, jobId: job.id, status: 'running' });
  }

  /** Keeps and audits one task's outcome; ignored once the run finished. */
  task(outcome: TaskOutcome): void {
    if (this.result) return;
    const kept = { ...outcome, stdout: redactOutput(outcome.stdout), stderr: redactOutput(outcome.stderr) };
    this.outcomes.push(kept);
    this.deps.db.prepare('UPDATE job_runs SET tasks_json = ? WHERE id = ?').run(JSON.stringify(this.outcomes), this.runId);
    this.deps.audit.append(
      { type: 'task.finished', ...this.actor, data: { runId: this.runId, jobId: this.running.jobId, ...this.requestInData, ...kept } },
      this.deps.clock.now(),
    );
  }

  /** Ends the run, `failed` with the failure or else `succeeded`; only the first call counts. */
  finish(
    failure: RunFailure | null,
    alternate: { readonly alternateJobId: string | null; readonly alternateNote: string | null } = { alternateJobId: null, alternateNote: null },
  ): JobRun {
    if (this.result) return this.result;
    const finished = this.deps.clock.now();
    const status: JobRunStatus = failure ? 'failed' : 'succeeded';
    const durationMs = finished.getTime() - this.started.getTime();
    const { runId, jobId, trigger, eventType } = this.running;
    const reason = failure?.reason ?? null;
    const reasonDetail = failure?.detail;
    this.result = {
      ...this.running,
      status,
      reason,
      ...(reasonDetail ? { reasonDetail } : {}),
      finishedAt: finished.toISOString(),
      durationMs,
      tasks: this.outcomes,
    };
    this.deps.db
      .prepare('UPDATE job_runs SET status = ?, reason = ?, reason_detail_json = ?, finished_at = ?, duration_ms = ?, tasks_json = ? WHERE id = ?')
      .run(status, reason, reasonDetail ? JSON.stringify(reasonDetail) : null, finished.toISOString(), durationMs, JSON.stringify(this.outcomes), runId);
    this.deps.audit.append(
      {
        type: 'job.finished',
        ...this.actor,
        data: { runId, jobId, trigger, eventType, status, reason, reasonDetail, durationMs, ...alternate, ...this.requestInData },
      },
      finished,
    );
    this.deps.onRunChanged?.({ runId, jobId, status });
    return this.result;
  }
}
