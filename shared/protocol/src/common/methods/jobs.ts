import * as z from 'zod';
import { defineNotification, defineRequest, NoParams, onFirstUse } from '../method.ts';
import { ReasonDetail, reason } from './elevation.ts';

export const JobExecutionType = z.enum(['Service', 'User', 'UserDesktop', 'UserElevated']);
export const JobRunStatus = z.enum(['running', 'succeeded', 'failed', 'skipped', 'interrupted']);
export const JobTrigger = z.enum(['event', 'manual', 'schedule', 'alternate']);

/** A loaded job as anyone may see it: what it is and when it runs, never its parameters. */
export const JobSummary = onFirstUse(() =>
  z.object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    priority: z.number().int().min(1).max(10),
    /** `ready`, or why it does not run here. */
    state: z.enum(['ready', 'disabled', 'otherPlatform']),
    events: z.array(z.string()),
    /** The schedule as written (intervalMinutes, cronExpression, runAt or calendar), if any. */
    schedule: z.record(z.string(), z.unknown()).nullable(),
    nextRunAt: z.iso.datetime().nullable(),
    tasks: z.array(z.object({ id: z.string(), name: z.string(), executionType: JobExecutionType })),
  }),
);
export type JobSummary = z.infer<typeof JobSummary>;

const Text = z.string().max(4096);
const Seconds = z.number().int().nonnegative();

/**
 * Why a task was skipped or failed, as a code plus values for windows to word (`common:jobReason.<code>`),
 * like ReasonDetail for decisions. What comes from outside stays verbatim as a value: a condition's
 * source, an OS error, a desktop's own answer.
 */
const TASK_REASONS = [
  reason('plugin-setting-false', { setting: Text }),
  reason('condition-false', { condition: Text }),
  reason('condition-error', { condition: Text, error: Text }),
  reason('missing-value', { name: Text }),
  reason('needs-requester', { executionType: JobExecutionType }),
  reason('no-desktop-user', {}),
  reason('unknown-desktop-user', { user: Text }),
  reason('no-desktop-delivery', {}),
  reason('desktop-not-connected', {}),
  reason('desktop-gone', {}),
  reason('desktop-no-answer', { seconds: Seconds }),
  reason('desktop-failed', { detail: Text }),
  reason('desktop-refused', {}),
  reason('delivery-error', { error: Text }),
  reason('agent-stopping', {}),
  reason('start-failed', { executable: Text, error: Text }),
  reason('timed-out', { seconds: Seconds }),
  reason('killed-by-signal', { signal: Text }),
  reason('exit-code', { code: z.number().int() }),
  reason('stdout-not-json', { error: Text }),
  reason('stdout-not-object', { kind: z.enum(['array', 'null', 'string', 'number', 'boolean']) }),
  // Tasks of the policy-controls job: which control prompts it presents, and a prompt that ended the request (the decision's own reason).
  reason('control-not-asked', { control: Text }),
  reason('control-presented-earlier', { control: Text }),
  reason('toast-cannot-acknowledge', {}),
  reason('decision', { reason: ReasonDetail }),
] as const;
export const JobTaskReasonDetail = z.discriminatedUnion('code', [...TASK_REASONS]);
export type JobTaskReasonDetail = z.infer<typeof JobTaskReasonDetail>;

/** Why a run was skipped, failed or interrupted: a task's reason, or one of the run's own. */
export const JobReasonDetail = z.discriminatedUnion('code', [
  ...TASK_REASONS,
  reason('task-failed', { task: Text, cause: JobTaskReasonDetail }),
  reason('agent-stopped', {}),
  reason('previous-run-going', {}),
]);
export type JobReasonDetail = z.infer<typeof JobReasonDetail>;

/** As read from the agent: an unknown code (a newer agent) reads as absent, and the window shows the English `reason`. */
const ReceivedJobReasonDetail = JobReasonDetail.optional().catch(undefined);
const ReceivedJobTaskReasonDetail = JobTaskReasonDetail.optional().catch(undefined);

export const JobTaskOutcome = onFirstUse(() =>
  z.object({
    taskId: z.string(),
    name: z.string(),
    executionType: JobExecutionType,
    status: z.enum(['succeeded', 'failed', 'skipped']),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    durationMs: z.number().int().nonnegative(),
    reason: z.string().nullable(),
    /** `reason` as a code plus values for the window to word; absent from an older agent. */
    reasonDetail: ReceivedJobTaskReasonDetail,
    /** At most 4 KiB each, secret-looking values redacted; empty for callers who may not read them. */
    stdout: z.string(),
    stderr: z.string(),
  }),
);
export type JobTaskOutcome = z.infer<typeof JobTaskOutcome>;

export const JobRunView = onFirstUse(() =>
  z.object({
    runId: z.string(),
    jobId: z.string(),
    trigger: JobTrigger,
    eventType: z.string().nullable(),
    status: JobRunStatus,
    reason: z.string().nullable(),
    /** `reason` as a code plus values for the window to word; absent for older rows. */
    reasonDetail: ReceivedJobReasonDetail,
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
    durationMs: z.number().int().nonnegative().nullable(),
    /** The job whose failure started this run (its alternate). */
    alternateOf: z.string().nullable(),
    tasks: z.array(JobTaskOutcome),
  }),
);
export type JobRunView = z.infer<typeof JobRunView>;

export const JobsListResult = onFirstUse(() => z.object({ jobs: z.array(JobSummary) }));

export const JobsRunParams = onFirstUse(() =>
  z.object({
    jobId: z.string().min(1).max(200),
    /** Extra `{Variable}` values for this run; they override the job's own parameters. */
    parameters: z.record(z.string().regex(/^[A-Za-z_][\w.-]*$/, 'a variable name'), z.string().max(4096)).optional(),
  }),
);
export const JobsRunResult = onFirstUse(() => z.object({ runId: z.string(), jobId: z.string() }));

export const JobsRunsParams = onFirstUse(() =>
  z.object({ limit: z.number().int().min(1).max(200).optional(), jobId: z.string().min(1).max(200).optional() }).nullish(),
);
export const JobsRunsResult = onFirstUse(() => z.object({ runs: z.array(JobRunView) }));

/** The `window` of a desktop task that shows a toast instead of a window (never blocks, cannot be acknowledged). */
export const TOAST_TASK_WINDOW = 'toast';

/** A UserDesktop task handed to a desktop session: open `window` with `args`, then answer with `jobs.desktopTaskDone`. */
export const JobsDesktopTask = onFirstUse(() =>
  z.object({
    deliveryId: z.string(),
    jobId: z.string(),
    runId: z.string(),
    taskId: z.string(),
    name: z.string(),
    /** The task's executablePath: a window id of the suite (e.g. `keeper-network-connections`) or `toast`. */
    window: z.string(),
    /** The task's arguments, split and with `{Variable}` placeholders already replaced. */
    args: z.array(z.string()),
    expiresAt: z.iso.datetime(),
  }),
);
export type JobsDesktopTask = z.infer<typeof JobsDesktopTask>;

export const JobsDesktopTaskDoneParams = onFirstUse(() =>
  z.object({
    deliveryId: z.string().min(1).max(100),
    outcome: z.enum(['completed', 'failed']),
    /** Why it failed (e.g. the window is unknown on this desktop), or what the window returned. */
    detail: z.string().max(2000).optional(),
  }),
);

/** `jobs.list`: every loaded job with its state and next scheduled run. */
export const JobsList = defineRequest('jobs.list', NoParams, JobsListResult);
/** `jobs.run`: the manual trigger; administrators only (others get Unauthorized, and it is audited). Returns once the run has started. */
export const JobsRun = defineRequest('jobs.run', JobsRunParams, JobsRunResult);
/** `jobs.runs`: recent runs, newest first; administrators see every run, other users the runs that concern them, without program output. */
export const JobsRuns = defineRequest('jobs.runs', JobsRunsParams, JobsRunsResult);
/** `jobs.desktopTaskDone`: a desktop reports the outcome of a UserDesktop task it was given; only the user it went to may answer. */
export const JobsDesktopTaskDone = defineRequest(
  'jobs.desktopTaskDone',
  JobsDesktopTaskDoneParams,
  onFirstUse(() => z.object({ accepted: z.literal(true) })),
);
/** `jobs.desktopTask`: sent only to the desktop sessions of the user a UserDesktop task belongs to. */
export const JobsDesktopTaskNotification = defineNotification('jobs.desktopTask', JobsDesktopTask);
/** `jobs.runsChanged`: a job run started or finished; clients showing runs fetch `jobs.runs` again. */
export const JobsRunsChanged = defineNotification(
  'jobs.runsChanged',
  onFirstUse(() => z.object({ runId: z.string(), jobId: z.string(), status: JobRunStatus })),
);
