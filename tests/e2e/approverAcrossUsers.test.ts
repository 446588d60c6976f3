import { chownSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../support/agentProcess.ts';
import { auditBothThemes, launchChromium, seriousAxeViolations } from '../support/browser.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { recordingNotifySend } from '../support/recordingNotifySend.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { ELEVATE, runCli } from '../support/runAsCli.ts';
import { startWebShell, type WebShellProcess } from '../support/webShellProcess.ts';
import { ApprovalsList } from '../../shared/protocol/src/common/index.ts';

const row = (page: Page, name: string) => page.getByTestId('queue-row').filter({ has: page.getByTestId('row-title').getByText(name, { exact: true }) });

const ESCALATE_MINUTES = 30;

/**
 * Two real desktops on one agent: `keeper-alice` (a real second OS user, with its own web shell) asks with
 * keeper-elevate, and root decides in the approver queue of its own web shell. root is only a
 * secondary approver, so the request reaches it only once it escalates (the agent's own timer; the case
 * skips the agent's clock past it with --time-skip);
 * keeper-alice has no approver role at all. notify-send is the recording stand-in for the notification daemon.
 */
describe("Approver queue across users: escalation, the requester's window turning to Approved, a non-approver", () => {
  const sandbox = policyAgentSandbox();
  const notifySend = recordingNotifySend();
  const rootData = join(sandbox.dir, 'root-desktop');
  const aliceData = join(sandbox.dir, 'alice-desktop');
  let rootShell: WebShellProcess;
  let aliceShell: WebShellProcess;
  let browser: Browser;
  let rootContext: BrowserContext;
  let aliceContext: BrowserContext;
  let queue: Page;
  const startRootShell = () => startWebShell(sandbox.socket, { ...process.env, PATH: notifySend.path }, { args: ['--user-data-dir', rootData] });

  beforeAll(async () => {
    // `keeper-alice` must reach the socket and own its desktop's user data dir.
    mkdirSync(aliceData);
    const alice = systemUser('keeper-alice');
    chownSync(aliceData, alice.uid, alice.gid);
    // keeper-alice is a person at a verified desktop: a logind session of hers that her web shell descends from.
    sandbox.desktopSessions.add({ user: 'keeper-alice' });
    await sandbox.start({
      apps: { 'col-id': '/usr/bin/id' },
      policies: [appPolicy('pol-id', 'col-id', ['APPROVAL'])],
      config: {
        approvals: {
          administrators: { users: [], groups: [] },
          approvers: { users: ['daemon'], groups: [] },
          secondaryApprovers: { users: ['root'], groups: [] },
          escalateAfterMinutes: ESCALATE_MINUTES,
          escalatedExpiryMinutes: 5,
        },
      },
      extra: ['--time-skip'],
      openToOtherUsers: true,
    });
    [rootShell, aliceShell] = await Promise.all([
      startRootShell(),
      startWebShell(sandbox.socket, process.env, { user: 'keeper-alice', args: ['--user-data-dir', aliceData] }),
    ]);
    browser = await launchChromium();
    rootContext = await browser.newContext({ viewport: { width: 1180, height: 800 } });
    aliceContext = await browser.newContext({ viewport: { width: 560, height: 760 } });
    // root has an approver role (secondary): its desktop presents the queue at start.
    queue = await rootContext.newPage();
    await queue.goto(await rootShell.windowUrl('keeper-approver'));
    await queue.getByTestId('queue').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([rootShell?.stop(), aliceShell?.stop()]);
    await sandbox.dispose();
    notifySend.cleanup();
  });

  it("keeper-alice's keeper-elevate waits; after the timeout it escalates to root with a toast; root approves; keeper-alice's window turns to Approved and the command runs", async () => {
    const cli = runCli(ELEVATE, sandbox.socket, ['/usr/bin/id', '-un'], { user: 'keeper-alice' });
    const justify = await aliceContext.newPage();
    await justify.goto(await aliceShell.windowUrl('keeper-justification'));
    await justify.getByRole('textbox').fill('Checking which account the VPN tool runs as');
    await justify.keyboard.press('Control+Enter');
    const pending = await aliceContext.newPage();
    await pending.goto(await aliceShell.windowUrl('keeper-approval-pending'));
    await eventually(() => pending.getByTestId('status-badge').textContent()).toBe('Pending');
    await justify.close();
    // Not root's to decide yet: a secondary approver sees only escalated requests.
    expect(await row(queue, 'id').count()).toBe(0);

    await sandbox.agent.skipTime(ESCALATE_MINUTES * 60_000);
    await eventually(() => pending.getByTestId('status-badge').textContent()).toBe('Escalated');
    await row(queue, 'id').waitFor();
    expect(await row(queue, 'id').getAttribute('data-status')).toBe('Escalated');
    expect(await queue.getByTestId('count-Escalated').textContent()).toBe('1 escalated');
    await eventually(() => notifySend.calls().some((call) => call.includes('Escalated to you: id'))).toBe(true);

    await row(queue, 'id').click();
    expect(await queue.getByTestId('detail-requester').textContent()).toMatch(/^keeper-alice \(uid \d+\)$/);
    expect(await queue.getByTestId('detail-publisher').textContent()).toBe('Not signed');
    expect(await queue.getByTestId('detail-mfa').count()).toBe(0);
    await queue.getByTestId('queue').focus();
    await queue.keyboard.press('a');
    await queue.getByTestId('confirm').waitFor();
    await queue.getByLabel('Usable for').selectOption('15');
    await queue.getByTestId('confirm-button').focus();
    await queue.keyboard.press('Enter');

    await eventually(() => pending.getByTestId('status-badge').textContent()).toBe('Approved');
    expect(await pending.getByTestId('status-text').textContent()).toBe('Approved by root.');
    expect(await pending.getByTestId('usable-until').textContent()).not.toBe('');
    const result = await cli;
    expect(result).toMatchObject({ code: 0, stdout: 'root\n' });
    expect(result.stderr).toContain('Waiting for an approver to decide');
    expect(await seriousAxeViolations(pending)).toEqual([]);
    await pending.getByTestId('dismiss').click();
    await eventually(() => pending.getByTestId('nothing-pending').isVisible()).toBe(true);
    await pending.close();
  });

  it('a non-approver who opens the approval queue from the tray menu is told why they cannot approve', async () => {
    const client = await aliceContext.newPage();
    await client.goto(await aliceShell.windowUrl('keeper-client'));
    await client.getByRole('button', { name: 'Open approval queue' }).click();
    const refused = await aliceContext.newPage();
    await refused.goto(await aliceShell.windowUrl('keeper-approver'));
    await eventually(() => refused.getByTestId('queue-notice').textContent()).toContain(
      "You cannot approve requests: your account has no approver role on this machine. Ask your administrator to add you to the approvers in the Keeper agent's configuration.",
    );
    expect(await refused.getByTestId('queue-notice').textContent()).toContain('The agent said: you are not an approver on this machine');
    // Nothing to decide is offered: no list, no filters, no decision buttons.
    expect(await refused.getByTestId('queue').count()).toBe(0);
    expect(await refused.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await refused.getByTestId('toasts').count()).toBe(0);
    expect(await auditBothThemes(refused, 'approver-not-approver')).toEqual([]);
    for (const page of [client, refused]) await page.close();
  });

  it("root's toast setting is kept in its desktop's user data dir and survives a restart of the desktop", async () => {
    const root = await connectClient(sandbox.socket);
    const decided = (await root.request(ApprovalsList, { statuses: ['Approved'] })).approvals;
    await queue.getByTestId('toasts').uncheck();
    await eventually(() => JSON.parse(readFileSync(join(rootData, 'approver-settings.json'), 'utf8')) as unknown).toEqual({
      version: 1,
      settings: { toasts: false },
    });
    await queue.close();
    await rootShell.stop();
    rootShell = await startRootShell();
    queue = await rootContext.newPage();
    await queue.goto(await rootShell.windowUrl('keeper-approver'));
    await queue.getByTestId('queue').waitFor();
    await eventually(() => queue.getByTestId('toasts').isChecked()).toBe(false);
    // Decided requests (the first test's, when it ran) are still there: the agent keeps them, not the desktop.
    expect((await root.request(ApprovalsList, { statuses: ['Approved'] })).approvals).toEqual(decided);
    root.close();
  });
});
