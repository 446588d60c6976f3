import { describe, expect, it } from 'vitest';
import type { JobsDesktopTask } from '../../../../../shared/protocol/src/common/index.ts';
import { createToaster, type Toast } from '../notifications/toaster.ts';
import { performDesktopTask } from './desktopTaskRunner.ts';
import type { LaunchParameters } from '../../../../../shared/bridge/src/common/services/windowLaunch.ts';
import { parseLaunchArguments } from './launchArguments.ts';

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
  const toaster = createToaster({
    backend: { show: (toast) => (toast.body === 'boom' ? Promise.reject(new Error('no daemon')) : (shown.push(toast), Promise.resolve())) },
    doNotDisturb: () => Promise.resolve(quiet),
  });
  const opened: Array<{ id: string; parameters: LaunchParameters }> = [];
  const targets = {
    toaster,
    openWindow: (id: string, parameters: LaunchParameters) =>
      id === 'keeper-mfa' ? Promise.reject(new Error('host gone')) : (opened.push({ id, parameters }), Promise.resolve()),
  };

  it('shows a toast, counts do-not-disturb as done, and fails without a body or when it cannot show', async () => {
    expect(await performDesktopTask(task('toast', ['--title', 'Hi', '--body', 'There']), targets)).toEqual({ outcome: 'completed', detail: 'shown' });
    expect(shown).toEqual([{ category: 'job:send-toast', title: 'Hi', body: 'There' }]);
    quiet = true;
    expect(await performDesktopTask(task('toast', ['--body', 'Later']), targets)).toEqual({ outcome: 'completed', detail: 'suppressed' });
    quiet = false;
    expect(await performDesktopTask(task('toast', ['--title', 'x']), targets)).toEqual({ outcome: 'failed', detail: 'a toast needs --body' });
    expect(await performDesktopTask(task('toast', ['--body', 'boom']), targets)).toEqual({
      outcome: 'failed',
      detail: 'the desktop could not show the notification',
    });
  });

  it('opens a window of the suite, and refuses one it does not have', async () => {
    expect(await performDesktopTask(task('keeper-network-connections', ['--source', '/usr/bin/nm-connection-editor']), targets)).toEqual({
      outcome: 'completed',
      detail: 'opened keeper-network-connections',
    });
    expect(opened).toEqual([{ id: 'keeper-network-connections', parameters: { source: '/usr/bin/nm-connection-editor' } }]);
    expect(await performDesktopTask(task('KeeperLegacy'), targets)).toEqual({ outcome: 'failed', detail: 'there is no window KeeperLegacy on this desktop' });
    expect(await performDesktopTask(task('keeper-mfa'), targets)).toEqual({ outcome: 'failed', detail: 'cannot open keeper-mfa: host gone' });
  });

  it('hands a window only the launch parameters it takes, each once and bounded, and opens nothing otherwise', async () => {
    opened.length = 0;
    const network = 'keeper-network-connections';
    expect(await performDesktopTask(task(network), targets)).toEqual({ outcome: 'completed', detail: `opened ${network}` });
    expect(opened).toEqual([{ id: network, parameters: {} }]);
    const refused = async (window: string, args: string[]) => {
      const result = await performDesktopTask(task(window, args), targets);
      expect(result.outcome, args.join(' ')).toBe('failed');
      return result.detail;
    };
    expect(await refused(network, ['--command', 'rm -rf /'])).toBe(`cannot open ${network}: ${network} takes only --source, not "--command"`);
    expect(await refused(network, ['/usr/bin/nm-connection-editor'])).toBe(
      `cannot open ${network}: ${network} takes only --source, not "/usr/bin/nm-connection-editor"`,
    );
    expect(await refused(network, ['--source'])).toBe(`cannot open ${network}: --source needs a value`);
    expect(await refused(network, ['--source', '/a', '--source', '/b'])).toBe(`cannot open ${network}: --source is given twice`);
    expect(await refused(network, ['--source', ''])).toMatch(/^cannot open keeper-network-connections: --source: /);
    expect(await refused(network, ['--source', `/usr/bin/${'x'.repeat(1100)}`])).toMatch(/^cannot open keeper-network-connections: --source: /);
    expect(await refused(network, ['--source', '/usr/bin/editor\n--source'])).toBe(`cannot open ${network}: --source: a path without control characters`);
    expect(await refused('keeper-agent', ['--source', '/usr/bin/nm-connection-editor'])).toBe(
      'cannot open keeper-agent: keeper-agent takes no parameters, not "--source"',
    );
    expect(await refused(network, ['--__proto__', 'x'])).toBe(`cannot open ${network}: ${network} takes only --source, not "--__proto__"`);
    expect(opened).toEqual([{ id: network, parameters: {} }]);
    expect(parseLaunchArguments(network, ['--source', '/usr/bin/gnome-control-center'])).toEqual({
      ok: true,
      parameters: { source: '/usr/bin/gnome-control-center' },
    });
  });
});
