import type { JobTaskReasonDetail, ReasonDetail } from '../../../../shared/protocol/src/common/index.ts';
import type { Clock } from '../status/statusService.ts';
import type { ControlProgress, ControlSettings, FlowResult, PendingElevation, PromptTimeout } from '../elevation/controlRunner.ts';
import { PROMPT_PRECEDENCE, type PromptControl } from '../policy/evaluate.ts';
import { substitute, type DesktopDelivery, type JobEngine, type TaskOutcome } from './jobEngine.ts';
import { MissingValueError, jobReasons, type RunFailure, type Why } from './jobReasons.ts';

type TaskFailure = RunFailure & { readonly detail?: JobTaskReasonDetail };
import { splitArguments, type JobTask } from './jobSchema.ts';

/** The event of the jobs that present the user-facing controls of a pending decision. */
export const POLICY_EVALUATION_PENDING = 'PolicyEvaluationPending';

/** A notice shown as a desktop toast instead of the KeeperMessage window (never blocks, cannot be acknowledged). */
export const TOAST_WINDOW = 'toast';

/** The prompt windows (Keeper's application names) and the controls each can present. */
export const CONTROL_WINDOWS: Readonly<Record<string, readonly PromptControl[]>> = {
  KeeperApproval: ['APPROVAL', 'OPERATORAPPROVAL'],
  KeeperMFA: ['MFA'],
  KeeperJustification: ['JUSTIFY'],
  KeeperMessage: ['NOTIFY'],
  [TOAST_WINDOW]: ['NOTIFY'],
};

/** The control a task presents: its `--control NAME` argument, or null. */
export function controlOf(task: Pick<JobTask, 'arguments'>): string | null {
  let words: string[];
  try {
    words = splitArguments(task.arguments);
  } catch {
    return null;
  }
  const index = words.indexOf('--control');
  return index >= 0 ? (words[index + 1] ?? null) : null;
}

/**
 * Why a task of a policy-controls job cannot present a control (null when it can): it must be a
 * UserDesktop task naming its control with `--control` and opening a window that answers it.
 */
export function controlTaskProblem(task: JobTask): { readonly path: string; readonly message: string } | null {
  if (task.ExecutionType !== 'UserDesktop') return { path: 'ExecutionType', message: `a task of a ${POLICY_EVALUATION_PENDING} job is a UserDesktop task (a prompt window), not ${task.ExecutionType}` };
  const control = controlOf(task);
  if (control === null) return { path: 'arguments', message: `name the control this task presents with --control (one of ${PROMPT_PRECEDENCE.join(', ')})` };
  if (!(PROMPT_PRECEDENCE as readonly string[]).includes(control)) return { path: 'arguments', message: `--control ${control} is not a control with a prompt (one of ${PROMPT_PRECEDENCE.join(', ')})` };
  const windows = Object.keys(CONTROL_WINDOWS).filter((window) => CONTROL_WINDOWS[window]!.includes(control as PromptControl));
  if (!windows.includes(task.executablePath)) return { path: 'executablePath', message: `${control} is presented by ${windows.join(' or ')}, not by ${task.executablePath}` };
  return null;
}

/**
 * Why the tasks of a policy-controls job present their controls out of precedence order (null when
 * they do not): the seed applies precedence automatically, so a job cannot reorder the prompts.
 * Tasks for the same control may follow each other (alternatives chosen by their conditions).
 */
export function controlOrderProblem(tasks: readonly JobTask[]): { readonly index: number; readonly message: string } | null {
  const rank = (control: string | null) => (PROMPT_PRECEDENCE as readonly string[]).indexOf(control ?? '');
  let latest: { readonly control: string; readonly taskId: string } | null = null;
  for (const [index, task] of tasks.entries()) {
    const control = controlOf(task);
    if (rank(control) < 0) continue;
    if (latest && rank(control) < rank(latest.control)) {
      return {
        index,
        message: `${control} must come before ${latest.control} (task ${latest.taskId}): prompts follow the precedence order ${PROMPT_PRECEDENCE.join(', ')}, so list the tasks in that order`,
      };
    }
    if (!latest || rank(control) > rank(latest.control)) latest = { control: control!, taskId: task.id };
  }
  return null;
}

interface ControlStep {
  readonly task: JobTask;
  readonly control: PromptControl;
}

export type ControlsRun =
  | { readonly ok: false; readonly reason: string; readonly reasonDetail: ReasonDetail }
  | {
      readonly ok: true;
      readonly jobId: string;
      /** The controls in precedence order (a job that orders its tasks otherwise is refused at load). */
      readonly controls: readonly PromptControl[];
      /** The caller's settings with each prompt's timeout taken from its task. */
      readonly settings: ControlSettings;
      /** Wraps the caller's progress so each control's outcome is recorded as its task's. */
      progress(inner: ControlProgress): ControlProgress;
      finish(result: FlowResult): void;
    };

/**
 * Drives the controls of a pending elevation through the policy-controls job: the first enabled
 * job of this OS listening to PolicyEvaluationPending whose condition holds (priority 1 first)
 * decides which window presents each control, under which condition and how long each prompt
 * waits. The order is always the precedence order (checked when the job loads), and the policy
 * still decides which controls apply: one that no task presents denies the request (fail-closed).
 */
export class PolicyControlsJob {
  private readonly engine: JobEngine;
  private readonly clock: Clock;
  private readonly evaluate: (condition: string, context: Readonly<Record<string, unknown>>) => boolean;
  private readonly deliver: DesktopDelivery;

  constructor(engine: JobEngine, clock: Clock, evaluate: (condition: string, context: Readonly<Record<string, unknown>>) => boolean, deliver: DesktopDelivery) {
    this.engine = engine;
    this.clock = clock;
    this.evaluate = evaluate;
    this.deliver = deliver;
  }

  begin(request: PendingElevation, online: boolean, base: ControlSettings): ControlsRun {
    const context: Record<string, unknown> = {
      RequestId: request.requestId,
      uid: request.uid,
      UserName: request.userName,
      PolicyType: request.actionType,
      Controls: [...request.decision.controls],
      Executable: request.subject.executable,
      CommandLine: request.subject.commandLine,
      Policies: [...request.subject.policyNames],
      NotificationMessage: request.notification?.message ?? '',
      Online: online,
    };
    const holds = (condition: string, scope: Record<string, unknown>) => {
      try {
        return this.evaluate(condition, scope);
      } catch {
        return false;
      }
    };
    // Unlike an event's runs, a job whose condition is false is passed over: the next one presents the controls.
    const job = this.engine.readyFor(POLICY_EVALUATION_PENDING).find((j) => holds(j.condition, { ...j.parameters, ...context }));
    if (!job) {
      return { ok: false, reason: `No ${POLICY_EVALUATION_PENDING} job applies to this request, so its controls cannot be presented.`, reasonDetail: { code: 'controls-job-missing', values: {} } };
    }

    const scope = { ...job.parameters, ...context };
    const steps: ControlStep[] = [];
    const skipped: TaskOutcome[] = [];
    const skip = (task: JobTask, why: Why<JobTaskReasonDetail>) =>
      skipped.push({ taskId: task.id, name: task.name, executionType: task.ExecutionType, status: 'skipped', exitCode: null, signal: null, durationMs: 0, reason: why.reason, reasonDetail: why.detail, stdout: '', stderr: '' });
    for (const task of job.tasks) {
      const control = controlOf(task) as PromptControl;
      if (!request.decision.controls.includes(control)) skip(task, jobReasons.controlNotAsked(control));
      else if (steps.some((s) => s.control === control)) skip(task, jobReasons.controlPresentedEarlier(control));
      else if (!holds(task.condition, scope)) skip(task, jobReasons.conditionFalse(task.condition));
      else if (task.executablePath === TOAST_WINDOW && request.notification?.requiresAcknowledge) skip(task, jobReasons.toastCannotAcknowledge());
      else steps.push({ task, control });
    }
    const run = this.engine.recordRun(job, POLICY_EVALUATION_PENDING, context);
    for (const outcome of skipped) run.task(outcome);
    const unserved = request.decision.controls.filter((control) => !steps.some((s) => s.control === control));
    if (unserved.length > 0) {
      const reason = `The policy asks for ${unserved.join(', ')}, but no task of job "${job.id}" presents it.`;
      const reasonDetail: ReasonDetail = { code: 'controls-job-unpresented', values: { controls: unserved, job: job.id } };
      run.finish(jobReasons.decision(reason, reasonDetail));
      return { ok: false, reason, reasonDetail };
    }

    // A timeout the agent config sets wins; otherwise the task presenting the prompt says how long it waits.
    const timeoutOf = (control: PromptControl, key: PromptTimeout, fallback: number) => {
      const step = steps.find((s) => s.control === control);
      return step && !base.configuredTimeouts.includes(key) ? step.task.timeoutSeconds * 1000 : fallback;
    };
    const settings: ControlSettings = {
      ...base,
      // An approval's own justification waits as long as the approval task says.
      justificationTimeoutMs: timeoutOf('JUSTIFY', 'justification', timeoutOf('APPROVAL', 'justification', base.justificationTimeoutMs)),
      mfaTimeoutMs: timeoutOf('MFA', 'mfa', base.mfaTimeoutMs),
      acknowledgeTimeoutMs: timeoutOf('NOTIFY', 'acknowledge', base.acknowledgeTimeoutMs),
      operatorApprovalTimeoutMs: timeoutOf('OPERATORAPPROVAL', 'operatorApproval', base.operatorApprovalTimeoutMs),
    };

    // A toast notice is delivered here once every other control passed (its turn: it is last in
    // precedence); the prompts run without it.
    const toast = steps.find((s) => s.task.executablePath === TOAST_WINDOW) ?? null;
    const started = new Map<PromptControl, number>();
    const recorded = new Set<PromptControl>();
    let current: PromptControl | null = null;
    const outcome = (control: PromptControl, status: 'succeeded' | 'failed', why: TaskFailure | null): TaskOutcome => {
      const { task } = steps.find((s) => s.control === control)!;
      const durationMs = Math.max(0, this.clock.now().getTime() - (started.get(control) ?? this.clock.now().getTime()));
      return { taskId: task.id, name: task.name, executionType: task.ExecutionType, status, exitCode: null, signal: null, durationMs, reason: why?.reason ?? null, ...(why?.detail ? { reasonDetail: why.detail } : {}), stdout: '', stderr: '' };
    };
    // A denial's own reason; a decision without a code keeps its English only.
    const decided = (result: FlowResult): TaskFailure => (result.reasonDetail ? jobReasons.decision(result.reason, result.reasonDetail) : { reason: result.reason });
    const taskFailed = (task: JobTask, why: TaskFailure): RunFailure =>
      why.detail ? jobReasons.taskFailed(task.id, { reason: why.reason, detail: why.detail }) : { reason: `task ${task.id} failed: ${why.reason}` };
    return {
      ok: true,
      jobId: job.id,
      controls: steps.filter((s) => s !== toast).map((s) => s.control),
      settings,
      progress: (inner) => ({
        asking: (control) => {
          if (steps.some((s) => s.control === control) && !started.has(control)) started.set(control, this.clock.now().getTime());
          if (steps.some((s) => s.control === control)) current = control;
          inner.asking(control);
        },
        passed: (control, detail) => {
          if (steps.some((s) => s.control === control) && !recorded.has(control)) {
            recorded.add(control);
            run.task(outcome(control, 'succeeded', null));
            if (current === control) current = null;
          }
          inner.passed(control, detail);
        },
      }),
      finish: (result) => {
        if (result.state === 'allowed' && toast) {
          // Notices never block: the request is decided already; the run records how the toast went.
          started.set('NOTIFY', this.clock.now().getTime());
          void this.showToast(request.uid, toast.task, scope, job.id, run.runId).then((why) => {
            run.task(outcome('NOTIFY', why === null ? 'succeeded' : 'failed', why));
            run.finish(why === null || toast.task.continueOnFailure ? null : jobReasons.taskFailed(toast.task.id, why));
          });
          return;
        }
        if (result.state === 'denied' && current !== null && !recorded.has(current)) {
          run.task(outcome(current, 'failed', decided(result)));
          run.finish(taskFailed(steps.find((s) => s.control === current)!.task, decided(result)));
        } else {
          run.finish(result.state === 'denied' ? decided(result) : null);
        }
      },
    };
  }

  /** Null when the desktop showed it, else why not. */
  private async showToast(uid: number, task: JobTask, scope: Record<string, unknown>, jobId: string, runId: string): Promise<Why<JobTaskReasonDetail> | null> {
    try {
      const answer = await this.deliver(
        uid,
        {
          jobId,
          runId,
          id: task.id,
          name: task.name,
          executionType: task.ExecutionType,
          executablePath: task.executablePath,
          args: splitArguments(task.arguments).map((word) => substitute(word, scope)),
          timeoutSeconds: task.timeoutSeconds,
        },
        scope,
      );
      return answer.ok ? null : answer.why;
    } catch (error) {
      return error instanceof MissingValueError ? error.why : jobReasons.deliveryError((error as Error).message);
    }
  }
}
