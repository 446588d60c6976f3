import { afterAll, describe, expect, it } from 'vitest';
import { recordingNotifySend } from '../../../../../tests/support/recordingNotifySend.ts';
import { isDoNotDisturb } from './doNotDisturb.ts';
import { nodeNotifierBackend } from './nodeNotifierBackend.ts';
import { createToaster, type Toast } from './toaster.ts';

const toast: Toast = { category: 'approval-request', title: 'New approval request', body: 'nobody wants to run apt-get' };

describe('toaster over node-notifier (notify-send is the recording stand-in for the daemon)', () => {
  const notifySend = recordingNotifySend();
  const originalPath = process.env['PATH'];
  process.env['PATH'] = notifySend.path;
  afterAll(() => {
    process.env['PATH'] = originalPath;
    notifySend.cleanup();
  });

  it('shows a toast through notify-send with its title, body and urgency', async () => {
    const toaster = createToaster({ backend: nodeNotifierBackend, doNotDisturb: () => Promise.resolve(false) });
    expect(await toaster.show({ ...toast, urgency: 'critical' })).toBe('shown');
    const call = notifySend.calls().at(-1)!;
    expect(call).toContain('New approval request');
    expect(call).toContain('nobody wants to run apt-get');
    expect(call.join(' ')).toMatch(/--urgency.?critical/);
  });

  it('suppresses under do-not-disturb and for a muted category, and shows again once unmuted', async () => {
    let silent = true;
    const toaster = createToaster({ backend: nodeNotifierBackend, doNotDisturb: () => Promise.resolve(silent) });
    const before = notifySend.calls().length;
    expect(await toaster.show(toast)).toBe('suppressed');
    silent = false;
    toaster.mute('approval-request', true);
    expect(toaster.isMuted('approval-request')).toBe(true);
    expect(await toaster.show(toast)).toBe('suppressed');
    expect(await toaster.show({ ...toast, category: 'elevation-result' })).toBe('shown');
    toaster.mute('approval-request', false);
    expect(await toaster.show(toast)).toBe('shown');
    expect(notifySend.calls().length - before).toBe(2);
  });

  it('reads no do-not-disturb here: neither dunstctl nor gsettings answers on this machine', async () => {
    expect(await isDoNotDisturb()).toBe(false);
  });
});

describe('toaster without a notification daemon', () => {
  const failing = recordingNotifySend({ fail: true });
  const originalPath = process.env['PATH'];
  afterAll(() => {
    process.env['PATH'] = originalPath;
    failing.cleanup();
  });

  it("reports 'failed' (and why) instead of throwing when notify-send cannot reach a daemon", async () => {
    process.env['PATH'] = failing.path;
    const failures: string[] = [];
    const toaster = createToaster({
      backend: nodeNotifierBackend,
      doNotDisturb: () => Promise.resolve(false),
      onFailure: (_t, error) => failures.push(error.message),
    });
    expect(await toaster.show(toast)).toBe('failed');
    expect(failures[0]).toContain('org.freedesktop.Notifications was not provided');
  });
});
