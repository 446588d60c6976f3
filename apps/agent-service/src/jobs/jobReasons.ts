import type { JobReasonDetail, JobTaskReasonDetail, ReasonDetail } from '../../../../shared/protocol/src/common/index.ts';
import type { ExecutionType } from './jobSchema.ts';

/** A reason twice: English for the CLI, logs and audit, and as a code plus values for windows to word. */
export interface Why<Detail extends JobReasonDetail = JobReasonDetail> {
  readonly reason: string;
  readonly detail: Detail;
}

type TaskWhy = Why<JobTaskReasonDetail>;

/** A run's failure as the run record takes it: the code may be missing where a decision came without one. */
export interface RunFailure {
  readonly reason: string;
  readonly detail?: JobReasonDetail;
}

const why = <Detail extends JobReasonDetail>(reason: string, detail: Detail): Why<Detail> => ({ reason, detail });

/** Every reason the jobs engine gives, in one place so the English and the code cannot drift apart. */
export const jobReasons = {
  pluginSettingFalse: (setting: string): TaskWhy => why(`plugin setting ${setting} is false`, { code: 'plugin-setting-false', values: { setting } }),
  conditionFalse: (condition: string): TaskWhy => why(`its condition is false: ${condition}`, { code: 'condition-false', values: { condition } }),
  conditionError: (condition: string, error: string): TaskWhy =>
    why(`its condition cannot be evaluated: ${error}`, { code: 'condition-error', values: { condition, error } }),
  missingValue: (name: string): TaskWhy => why(`no value for {${name}}`, { code: 'missing-value', values: { name } }),
  needsRequester: (executionType: ExecutionType): TaskWhy =>
    why(`a ${executionType} task needs the requesting user (uid) in the run context`, { code: 'needs-requester', values: { executionType } }),
  noDesktopUser: (): TaskWhy => why('no requesting user and no console user to deliver the task to', { code: 'no-desktop-user', values: {} }),
  unknownDesktopUser: (user: string): TaskWhy => why(`no desktop user ${user} is known to this agent`, { code: 'unknown-desktop-user', values: { user } }),
  noDesktopDelivery: (): TaskWhy => why('this agent cannot deliver tasks to a desktop', { code: 'no-desktop-delivery', values: {} }),
  desktopNotConnected: (uid: number): TaskWhy => why(`no desktop session of uid ${uid} is connected`, { code: 'desktop-not-connected', values: {} }),
  desktopGone: (): TaskWhy => why('the desktop session went away before the task finished', { code: 'desktop-gone', values: {} }),
  desktopNoAnswer: (seconds: number): TaskWhy => why(`no answer from the desktop within ${seconds} s`, { code: 'desktop-no-answer', values: { seconds } }),
  /** The desktop's own words, kept verbatim. */
  desktopFailed: (detail: string): TaskWhy => why(detail, { code: 'desktop-failed', values: { detail } }),
  desktopRefused: (): TaskWhy => why('the desktop could not carry out the task', { code: 'desktop-refused', values: {} }),
  deliveryError: (error: string): TaskWhy => why(`desktop delivery failed: ${error}`, { code: 'delivery-error', values: { error } }),
  agentStopping: (): TaskWhy => why('the agent is stopping', { code: 'agent-stopping', values: {} }),
  startFailed: (executable: string, error: string): TaskWhy =>
    why(`cannot start ${executable}: ${error}`, { code: 'start-failed', values: { executable, error } }),
  timedOut: (seconds: number): TaskWhy => why(`timed out after ${seconds} s; its process group was killed`, { code: 'timed-out', values: { seconds } }),
  killedBySignal: (signal: string): TaskWhy => why(`ended by ${signal}`, { code: 'killed-by-signal', values: { signal } }),
  exitCode: (code: number): TaskWhy => why(`exited with code ${code}`, { code: 'exit-code', values: { code } }),
  stdoutNotJson: (error: string): TaskWhy =>
    why(`MergeStdoutJsonIntoContext: stdout is not valid JSON (${error})`, { code: 'stdout-not-json', values: { error } }),
  stdoutNotObject: (kind: 'array' | 'null' | 'string' | 'number' | 'boolean'): TaskWhy =>
    why(`MergeStdoutJsonIntoContext: stdout is JSON but not an object (${kind})`, { code: 'stdout-not-object', values: { kind } }),
  controlNotAsked: (control: string): TaskWhy => why(`the policy does not ask for ${control}`, { code: 'control-not-asked', values: { control } }),
  controlPresentedEarlier: (control: string): TaskWhy =>
    why(`${control} is presented by an earlier task`, { code: 'control-presented-earlier', values: { control } }),
  toastCannotAcknowledge: (): TaskWhy => why('a toast cannot collect the acknowledgement this notice needs', { code: 'toast-cannot-acknowledge', values: {} }),
  decision: (reason: string, detail: ReasonDetail): TaskWhy => why(reason, { code: 'decision', values: { reason: detail } }),
  taskFailed: (task: string, cause: TaskWhy): Why =>
    why(`task ${task} failed: ${cause.reason}`, { code: 'task-failed', values: { task, cause: cause.detail } }),
  agentStopped: (): Why => why('the agent stopped during the run', { code: 'agent-stopped', values: {} }),
  previousRunGoing: (): Why => why('the previous scheduled run is still going', { code: 'previous-run-going', values: {} }),
} as const;

/** Thrown by `substitute` for a `{Name}` the context has no value for. */
export class MissingValueError extends Error {
  readonly why: TaskWhy;

  constructor(name: string) {
    const why = jobReasons.missingValue(name);
    super(why.reason);
    this.why = why;
  }
}
