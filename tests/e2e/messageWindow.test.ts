import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditBothThemes } from '../support/browser.ts';
import { eventually, startPromptWindowHarness, type PromptWindowHarness } from '../support/promptWindowHarness.ts';

const NOTICE = 'Software installed with administrator rights is logged and reviewed by IT.\nAsk the service desk if you are unsure.';

const notifyPolicy = (id: string, collection: string, requiresAcknowledge: boolean) => ({
  PolicyName: `Notice ${id}`,
  PolicyId: id,
  PolicyType: 'PrivilegeElevation',
  Status: 'enforce',
  ApplicationCheck: [collection],
  Actions: { OnSuccess: { Controls: ['NOTIFY'] } },
  NotificationMessage: requiresAcknowledge ? NOTICE : 'Your session may be recorded.',
  NotificationRequiresAcknowledge: requiresAcknowledge,
});

describe('KeeperMessage: NOTIFY notices in Chromium through the web shell, against a real agent', () => {
  let harness: PromptWindowHarness;
  const request = (executable: string) => harness.request({ executable, arguments: [], cwd: '/' });

  beforeAll(async () => {
    harness = await startPromptWindowHarness({
      window: 'keeper-message',
      viewport: { width: 560, height: 640 },
      files: {
        'collections.json': {
          Collections: [
            { CollectionId: 'col-id', Type: 'Application', Members: [{ Path: '/usr/bin/id' }] },
            { CollectionId: 'col-env', Type: 'Application', Members: [{ Path: '/usr/bin/env' }] },
            { CollectionId: 'col-uname', Type: 'Application', Members: [{ Path: '/usr/bin/uname' }] },
          ],
        },
        'notify.json': [notifyPolicy('pol-ack', 'col-id', true), notifyPolicy('pol-info', 'col-env', false)],
        'watch.json': [
          {
            PolicyName: 'Watch uname',
            PolicyId: 'pol-watch',
            PolicyType: 'PrivilegeElevation',
            Status: 'monitor_and_notify',
            ApplicationCheck: ['col-uname'],
            Actions: { OnSuccess: { Controls: ['DENY'] } },
          },
        ],
      },
    });
  });

  afterAll(() => harness?.stop());

  it('shows the policy message; "I understand" (focused, so Enter) acknowledges, and keeper-elevate runs the command', async () => {
    const run = harness.elevate(['id', '-u']);
    const page = await harness.openWindow();
    const acknowledge = page.getByRole('button', { name: 'I understand' });
    await acknowledge.waitFor();
    expect(await page.getByTestId('message-text').innerText()).toBe(NOTICE);
    expect(await acknowledge.evaluate((button) => button === document.activeElement)).toBe(true);
    expect(await page.getByRole('button', { name: 'Cancel request' }).count()).toBe(1);
    expect(await page.getByTestId('expires-in').textContent()).toMatch(/^Expires in [45]:\d\d$/);
    expect(await auditBothThemes(page, 'keeper-message')).toEqual([]);

    await page.keyboard.press('Enter');
    await eventually(() => page.getByTestId('nothing-pending').textContent()).toBe('Thank you. You can close this window.');
    expect(await run).toEqual({ code: 0, stdout: '0\n', stderr: 'keeper-elevate: Please read the notice in the Keeper window…\n' });
  });

  it('Escape cancels a notice that needs acknowledging, and the request is denied', async () => {
    const result = await request('/usr/bin/id');
    const page = await harness.openWindow();
    await page.getByRole('button', { name: 'I understand' }).waitFor();
    await page.keyboard.press('Escape');
    expect(await harness.finalState(result.requestId)).toMatchObject({ state: 'denied', reason: 'The notice that needs acknowledging was cancelled.' });
  });

  it('a notice without acknowledgement blocks nothing: the request is allowed while it shows, and OK closes it', async () => {
    const result = await request('/usr/bin/env');
    const page = await harness.openWindow();
    const ok = page.getByRole('button', { name: 'OK' });
    await ok.waitFor();
    expect(await harness.finalState(result.requestId)).toMatchObject({ state: 'allowed', passed: ['NOTIFY'] });
    expect(await page.getByTestId('message-text').textContent()).toBe('Your session may be recorded.');
    expect(await page.getByTestId('message-hint').textContent()).toBe('For your information: your request goes on without waiting for you.');
    expect(await page.getByTestId('expires-in').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel request' }).count()).toBe(0);
    await ok.click();
    await eventually(() => page.getByTestId('nothing-pending').textContent()).toBe('Thank you. You can close this window.');
  });

  it("the agent's own notice (a monitored policy) is worded in the window's language: German with lng=de, and in en-XA", async () => {
    await request('/usr/bin/uname');
    const page = await harness.openWindow({ lng: 'de' });
    await eventually(() => page.getByTestId('message-text').textContent()).toBe(
      'Die Richtlinie „Watch uname“ ist im Überwachungsmodus: Sobald sie durchgesetzt wird, würde sie diese Aktion ablehnen.',
    );
    expect(await page.getByTestId('message-text').locator('[data-reason="monitored-would-deny"]').count()).toBe(1);
    expect(await page.getByRole('heading', { name: 'Zu Ihrer Anfrage' }).count()).toBe(1);
    expect(await page.getByTestId('message-hint').textContent()).toBe('Zu Ihrer Information: Von Ihnen ist nichts weiter nötig.');
    await page.getByRole('button', { name: 'OK' }).click();
    await eventually(() => page.getByTestId('nothing-pending').isVisible()).toBe(true);

    // In the pseudo-locale none of it is left as the agent's English.
    await request('/usr/bin/uname');
    const pseudo = await harness.openWindow({ lng: 'en-XA' });
    await eventually(() => pseudo.getByTestId('message-text').textContent()).toMatch(/^\[[^]*~+\]$/u);
    // The Escape listener is attached after paint, in the same effects pass that focuses the button.
    await eventually(() => pseudo.evaluate(() => document.activeElement?.tagName)).toBe('BUTTON');
    await pseudo.keyboard.press('Escape');
    await eventually(() => pseudo.getByTestId('nothing-pending').isVisible()).toBe(true);
  });
});
