import { JobsDesktopTaskDone, JobsDesktopTaskNotification, TOAST_TASK_WINDOW, type JobsDesktopTask } from '../../../../../shared/protocol/src/common/index.ts';
import { isWindowId, type WindowId } from '../../../../../shared/bridge/src/common/windows.ts';
import type { AgentLink } from '../agent/agentLink.ts';
import type { Toaster } from '../notifications/toaster.ts';
import type { LaunchParameters } from '../../../../../shared/bridge/src/common/services/windowLaunch.ts';
import { parseLaunchArguments } from './launchArguments.ts';

export interface DesktopTaskTargets {
  /** Presents a window of the suite with what it is opened with; rejects when it cannot. */
  openWindow(id: WindowId, parameters: LaunchParameters): Promise<unknown>;
  readonly toaster: Toaster;
}

export type DesktopTaskOutcome = { readonly outcome: 'completed' | 'failed'; readonly detail?: string };

/** The value after `--name` in a task's arguments, or the fallback. */
function option(args: readonly string[], name: string, fallback: string): string {
  const index = args.indexOf(`--${name}`);
  return index >= 0 && index + 1 < args.length ? args[index + 1]! : fallback;
}

/** Carries out one UserDesktop task on this desktop: shows the toast or opens the named window. */
export async function performDesktopTask(task: JobsDesktopTask, targets: DesktopTaskTargets): Promise<DesktopTaskOutcome> {
  if (task.window === TOAST_TASK_WINDOW) {
    const body = option(task.args, 'body', '');
    if (body === '') return { outcome: 'failed', detail: 'a toast needs --body' };
    const shown = await targets.toaster.show({ category: `job:${task.jobId}`, title: option(task.args, 'title', 'Keeper'), body });
    // Do-not-disturb is the user's choice, not a failure of the task.
    return shown === 'failed' ? { outcome: 'failed', detail: 'the desktop could not show the notification' } : { outcome: 'completed', detail: shown };
  }
  if (!isWindowId(task.window)) return { outcome: 'failed', detail: `there is no window ${task.window} on this desktop` };
  const launch = parseLaunchArguments(task.window, task.args);
  if (!launch.ok) return { outcome: 'failed', detail: `cannot open ${task.window}: ${launch.detail}` };
  try {
    await targets.openWindow(task.window, launch.parameters);
    return { outcome: 'completed', detail: `opened ${task.window}` };
  } catch (error) {
    return { outcome: 'failed', detail: `cannot open ${task.window}: ${(error as Error).message}` };
  }
}

/**
 * The desktop's half of UserDesktop tasks: each `jobs.desktopTask` the agent sends this user is
 * carried out here and answered with `jobs.desktopTaskDone`. A task the agent re-sends after a
 * reconnect is carried out once.
 */
export function startDesktopTaskRunner(link: AgentLink, targets: DesktopTaskTargets): void {
  const seen = new Set<string>();
  const run = async (task: JobsDesktopTask) => {
    if (seen.has(task.deliveryId)) return;
    seen.add(task.deliveryId);
    const result = await performDesktopTask(task, targets);
    // The agent may have given up on it (timeout, restart); nothing is left to do then.
    await link.request(JobsDesktopTaskDone, { deliveryId: task.deliveryId, ...result }).catch(() => {});
    seen.delete(task.deliveryId);
  };
  link.addFeature({
    attach: (client) => [client.onNotification(JobsDesktopTaskNotification, (task) => void run(task))],
    detached: () => {},
  });
}
