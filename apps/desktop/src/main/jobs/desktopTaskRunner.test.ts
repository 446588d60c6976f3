import { describe, expect, it } from 'vitest';
import type { JobsDesktopTask } from '../../../../../shared/protocol/src/common/index.ts';
import { createToaster, type Toast } from '../notifications/toaster.ts';
import { performDesktopTask } from './desktopTaskRunner.ts';

const task = (window: string, args: string[] = []): JobsDesktopTask => ({
  deliveryId: 'd-1',
  jobId: 'send-toast',
  runId: 'r-1',
  taskId: 't',
  name: 'Task',
  window,
  args,
  expiresAt: new Date(0).toISOString(),
});

describe('carrying out a UserDesktop task on this desktop', () => {
  const shown: Toast[] = [];
  let quiet = false;
  const toaster = createToaster({ backend: { show: (toast) => (toast.body === 'boom' ? Promise.reject(new Error('no daemon')) : (shown.push(toast), Promise.resolve())) }, doNotDisturb: () => Promise.resolve(quiet) });
  const opened: string[] = [];
  const targets = { toaster, openWindow: (id: string) => (id === 'keeper-mfa' ? Promise.reject(new Error('host gone')) : (opened.push(id), Promise.resolve())) };

  it('shows a toast, counts do-not-disturb as done, and fails without a body or when it cannot show', async () => {
    expect(await performDesktopTask(task('toast', ['--title', 'Hi', '--body', 'There']), targets)).toEqual({ outcome: 'completed', detail: 'shown' });
    expect(shown).toEqual([{ category: 'job:send-toast', title: 'Hi', body: 'There' }]);
    quiet = true;
    expect(await performDesktopTask(task('toast', ['--body', 'Later']), targets)).toEqual({ outcome: 'completed', detail: 'suppressed' });
    quiet = false;
    expect(await performDesktopTask(task('toast', ['--title', 'x']), targets)).toEqual({ outcome: 'failed', detail: 'a toast needs --body' });
    expect(await performDesktopTask(task('toast', ['--body', 'boom']), targets)).toEqual({ outcome: 'failed', detail: 'the desktop could not show the notification' });
  });

  it('opens a window of the suite, and refuses one it does not have', async () => {
    expect(await performDesktopTask(task('keeper-network-connections', ['--source', '/usr/bin/nm-connection-editor']), targets)).toEqual({ outcome: 'completed', detail: 'opened keeper-network-connections' });
    expect(opened).toEqual(['keeper-network-connections']);
    expect(await performDesktopTask(task('KeeperLegacy'), targets)).toEqual({ outcome: 'failed', detail: 'there is no window KeeperLegacy on this desktop' });
    expect(await performDesktopTask(task('keeper-mfa'), targets)).toEqual({ outcome: 'failed', detail: 'cannot open keeper-mfa: host gone' });
  });
});
