import { CONTROL_APPLICATIONS, TOAST_TASK_WINDOW } from '../../../../shared/protocol/src/common/index.ts';
import { PROMPT_PRECEDENCE, type PromptControl } from '../policy/evaluate.ts';
import { splitArguments } from './taskArguments.ts';

/** The fields of a job task that say which control it presents and in which window. */
export interface ControlTask {
  readonly id: string;
  readonly ExecutionType: string;
  readonly executablePath: string;
  readonly arguments: string;
}

/** The event of the jobs that present the user-facing controls of a pending decision. */
export const POLICY_EVALUATION_PENDING = 'PolicyEvaluationPending';

/** The prompt windows (Keeper's application names, from the window registry) and the controls each can present. */
export const CONTROL_WINDOWS: Readonly<Record<string, readonly PromptControl[]>> = { ...CONTROL_APPLICATIONS, [TOAST_TASK_WINDOW]: ['NOTIFY'] };

/** The control a task presents: its `--control NAME` argument, or null. */
export function controlOf(task: Pick<ControlTask, 'arguments'>): string | null {
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
export function controlTaskProblem(task: ControlTask): { readonly path: string; readonly message: string } | null {
  if (task.ExecutionType !== 'UserDesktop')
    return {
      path: 'ExecutionType',
      message: `a task of a ${POLICY_EVALUATION_PENDING} job is a UserDesktop task (a prompt window), not ${task.ExecutionType}`,
    };
  const control = controlOf(task);
  if (control === null) return { path: 'arguments', message: `name the control this task presents with --control (one of ${PROMPT_PRECEDENCE.join(', ')})` };
  if (!(PROMPT_PRECEDENCE as readonly string[]).includes(control))
    return { path: 'arguments', message: `--control ${control} is not a control with a prompt (one of ${PROMPT_PRECEDENCE.join(', ')})` };
  const windows = Object.keys(CONTROL_WINDOWS).filter((window) => CONTROL_WINDOWS[window]!.includes(control as PromptControl));
  if (!windows.includes(task.executablePath))
    return { path: 'executablePath', message: `${control} is presented by ${windows.join(' or ')}, not by ${task.executablePath}` };
  return null;
}

/**
 * Why the tasks of a policy-controls job present their controls out of precedence order (null when
 * they do not): the seed applies precedence automatically, so a job cannot reorder the prompts.
 * Tasks for the same control may follow each other (alternatives chosen by their conditions).
 */
export function controlOrderProblem(tasks: readonly ControlTask[]): { readonly index: number; readonly message: string } | null {
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
