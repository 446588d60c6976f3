import { TOAST_TASK_WINDOW, type JobTaskReasonDetail, type ReasonDetail } from '../../../../shared/protocol/src/common/index.ts';
import type { Clock } from '../time/clock.ts';
import type { ControlProgress, ControlSettings, FlowResult, PendingElevation, PromptTimeout } from '../elevation/controlRunner.ts';
import type { PromptControl } from '../policy/evaluate.ts';
import { substitute, type DesktopDelivery, type JobEngine } from './jobEngine.ts';
import type { TaskOutcome } from './jobRun.ts';
import { MissingValueError, jobReasons, type RunFailure, type Why } from './jobReasons.ts';
import type { JobTask } from './jobSchema.ts';
import { controlOf, POLICY_EVALUATION_PENDING } from './controlTasks.ts';
import { splitArguments } from './taskArguments.ts';

type TaskFailure = RunFailure & { readonly detail?: JobTaskReasonDetail };

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

export interface PolicyControlsJobOptions {
  readonly engine: JobEngine;
  readonly clock: Clock;
  /** Evaluates a task's condition against the request (jobs/condition.ts). */
  readonly evaluate: (condition: string, context: Readonly<Record<string, unknown>>) => boolean;
  readonly deliver: DesktopDelivery;
}

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

  constructor({ engine, clock, evaluate, deliver }: PolicyControlsJobOptions) {
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
      return {
        ok: false,
        reason: `No ${POLICY_EVALUATION_PENDING} job applies to this request, so its controls cannot be presented.`,
        reasonDetail: { code: 'controls-job-missing', values: {} },
      };
    }

    const scope = { ...job.parameters, ...context };
    const steps: ControlStep[] = [];
    const skipped: TaskOutcome[] = [];
    const skip = (task: JobTask, why: Why<JobTaskReasonDetail>) =>
      skipped.push({
        taskId: task.id,
        name: task.name,
        executionType: task.ExecutionType,
        status: 'skipped',
        exitCode: null,
        signal: null,
        durationMs: 0,
        reason: why.reason,
        reasonDetail: why.detail,
        stdout: '',
        stderr: '',
      });
    for (const task of job.tasks) {
      const control = controlOf(task) as PromptControl;
      if (!request.decision.controls.includes(control)) skip(task, jobReasons.controlNotAsked(control));
      else if (steps.some((s) => s.control === control)) skip(task, jobReasons.controlPresentedEarlier(control));
      else if (!holds(task.condition, scope)) skip(task, jobReasons.conditionFalse(task.condition));
      else if (task.executablePath === TOAST_TASK_WINDOW && request.notification?.requiresAcknowledge) skip(task, jobReasons.toastCannotAcknowledge());
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
    const toast = steps.find((s) => s.task.executablePath === TOAST_TASK_WINDOW) ?? null;
    const started = new Map<PromptControl, number>();
    const recorded = new Set<PromptControl>();
    let current: PromptControl | null = null;
    const outcome = (control: PromptControl, status: 'succeeded' | 'failed', why: TaskFailure | null): TaskOutcome => {
      const { task } = steps.find((s) => s.control === control)!;
      const durationMs = Math.max(0, this.clock.now().getTime() - (started.get(control) ?? this.clock.now().getTime()));
      return {
        taskId: task.id,
        name: task.name,
        executionType: task.ExecutionType,
        status,
        exitCode: null,
        signal: null,
        durationMs,
        reason: why?.reason ?? null,
        ...(why?.detail ? { reasonDetail: why.detail } : {}),
        stdout: '',
        stderr: '',
      };
    };
    // A denial's own reason; a decision without a code keeps its English only.
    const decided = (result: FlowResult): TaskFailure =>
      result.reasonDetail ? jobReasons.decision(result.reason, result.reasonDetail) : { reason: result.reason };
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
