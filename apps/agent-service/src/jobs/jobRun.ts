import type { JobReasonDetail, JobTaskReasonDetail } from '../../../../shared/protocol/src/common/index.ts';
import type { ExecutionType } from './jobSchema.ts';

/** What a job run knows: job parameters, the trigger's facts (RequestId, uid, …) and merged task output. */
export type JobContext = Record<string, unknown>;

export type JobTrigger = 'event' | 'manual' | 'schedule' | 'alternate';
export type JobRunStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'interrupted';
export type TaskStatus = 'succeeded' | 'failed' | 'skipped';

export interface TaskOutcome {
  readonly taskId: string;
  readonly name: string;
  readonly executionType: ExecutionType;
  readonly status: TaskStatus;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly durationMs: number;
  readonly reason: string | null;
  /** `reason` as a code plus values; absent when there is no reason. */
  readonly reasonDetail?: JobTaskReasonDetail;
  /** Truncated to 4 KiB and redacted; what the audit log and job_runs keep. */
  readonly stdout: string;
  readonly stderr: string;
}

export interface JobRun {
  readonly runId: string;
  readonly jobId: string;
  readonly trigger: JobTrigger;
  readonly eventType: string | null;
  readonly status: JobRunStatus;
  readonly reason: string | null;
  /** `reason` as a code plus values; absent when there is no reason, or for rows of an older agent. */
  readonly reasonDetail?: JobReasonDetail;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly alternateOf: string | null;
  readonly tasks: readonly TaskOutcome[];
  /** The run of the alternate job this run's failure started, if any. */
  readonly alternate?: JobRun;
}
