import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApprovalsDecide, ElevationRequest, ElevationStatus } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { listedApproval } from '../support/approvals.ts';
import { launchChromium, saveScreenshot, SCREENSHOT_DIR, seriousAxeViolations } from '../support/browser.ts';
import { callAs } from '../support/callAs.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { recordingNotifySend } from '../support/recordingNotifySend.ts';
import { startRequester } from '../support/requesterProcess.ts';
import { startWebShell, windowsFromNow, type WebShellProcess } from '../support/webShellProcess.ts';
import { openTabOf, windowTabs, type WindowTabs } from '../support/webShellLaunch.ts';

/** axe in light and dark, with a screenshot of each (`<name>-light.png`, `<name>-dark.png`). */
async function auditThemes(page: Page, name: string): Promise<string[]> {
  const findings: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    findings.push(...(await seriousAxeViolations(page)).map((v) => `${scheme}: ${v}`));
    await saveScreenshot(page, `${name}-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return findings;
}

const row = (page: Page, name: string) => page.getByTestId('queue-row').filter({ has: page.getByTestId('row-title').getByText(name, { exact: true }) });

/**
 * The approver queue (keeper-approver) in Chromium through the web shell, against the real agent:
 * `keeper-alice` asks (a real second OS user, at a verified desktop of her own), root approves or
 * denies in the window. The web shell's desktop session is root's, so root is the administrator here; self-approval is allowed only for the test where root
 * is also the requester (its own desktop then shows the pending notice and KeeperMessage).
 */
describe('Approver queue (keeper-approver): deciding elevation requests live in Chromium', () => {
  const sandbox = policyAgentSandbox();
  const notifySend = recordingNotifySend();
  let shell: WebShellProcess;
  let browser: Browser;
  let context: BrowserContext;
  let tabs: WindowTabs;
  /** This case's own tab of the queue (each case starts from a freshly loaded page). */
  let page: Page;
  let root: AgentClient;

  beforeAll(async () => {
    sandbox.desktopSessions.add({ user: 'keeper-alice' });
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true', 'col-false': '/usr/bin/false', 'col-id': '/usr/bin/id', 'col-uname': '/usr/bin/uname' },
      policies: [
        appPolicy('pol-true', 'col-true', ['APPROVAL']),
        appPolicy('pol-false', 'col-false', ['APPROVAL']),
        appPolicy('pol-id', 'col-id', ['APPROVAL', 'MFA']),
        appPolicy('pol-uname', 'col-uname', ['APPROVAL'], { Extension: { ApprovalQuorum: 2 } }),
      ],
      // keeper-bob and daemon approve from their own processes in the quorum test.
      config: { approvals: { administrators: { users: ['root'], groups: [] }, approvers: { users: ['keeper-bob', 'daemon'] }, allowSelfApproval: true } },
      // `keeper-alice` must reach the socket inside the sandbox.
      openToOtherUsers: true,
    });
    // Its own user data dir: the approver's toast setting is saved there, never in the real home.
    shell = await startWebShell(sandbox.socket, { ...process.env, PATH: notifySend.path }, { args: ['--user-data-dir', join(sandbox.dir, 'desktop')] });
    // root is an approver: the desktop presents the queue at start.
    const approverUrl = await shell.windowUrl('keeper-approver');
    root = await connectClient(sandbox.socket);
    browser = await launchChromium();
    tabs = await windowTabs(browser, approverUrl, { viewport: { width: 1180, height: 800 } });
    context = tabs.home.context();
  });

  beforeEach(async () => {
    page = await tabs.open();
    await page.getByTestId('queue').waitFor();
  });

  afterEach(() => tabs.closeTabs());

  afterAll(async () => {
    root?.close();
    await browser?.close();
    await shell?.stop();
    await sandbox.dispose();
    notifySend.cleanup();
  });

  it('a new approver’s first view, the empty queue, says so and passes axe in light and dark', async () => {
    await eventually(() => page.getByTestId('queue-empty').textContent()).toBe('No requests are waiting for an approver. New ones appear here as they arrive.');
    expect(await page.getByTestId('queue').getAttribute('aria-describedby')).toBe('queue-empty');
    expect(await auditThemes(page, 'approver-queue-empty')).toEqual([]);
  });

  it('a new request appears live with a toast and everything to decide; approved (1 h) by keyboard, the requester runs', async () => {
    const requester = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/true', 'Patch Tuesday: updating the VPN client');
    const requestId = await requester.requestId;
    await row(page, 'true').waitFor();
    expect(await page.getByTestId('count-Pending').textContent()).toBe('1 pending');
    await eventually(() =>
      notifySend
        .calls()
        .some((call) => call.includes('Approval request: true') && call.includes(`keeper-alice on ${hostname()}: Patch Tuesday: updating the VPN client`)),
    ).toBe(true);

    await page.keyboard.press('j');
    expect(await page.getByTestId('detail-requester').textContent()).toMatch(/^keeper-alice \(uid \d+\)$/);
    expect(await page.getByTestId('detail-justification').textContent()).toBe('Patch Tuesday: updating the VPN client');
    expect(await page.getByTestId('detail-command').textContent()).toBe('/usr/bin/true');
    expect(await page.getByTestId('detail-cwd').textContent()).toBe('/');
    expect(await page.getByTestId('detail-history').textContent()).toBe('asked 0 times before: 0 approved, 0 denied');
    expect(await page.getByTestId('detail-deadline').textContent()).toMatch(/escalates or expires in 0:(29|30):\d\d$/);
    expect(await auditThemes(page, 'approver-queue')).toEqual([]);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.getByTestId('detail').screenshot({ path: join(SCREENSHOT_DIR, `approver-detail-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });

    await page.keyboard.press('a');
    const dialog = page.getByTestId('confirm');
    await dialog.waitFor();
    expect(await page.getByTestId('confirm-summary').textContent()).toBe('The requester may run this command once, within 24 hours. This cannot be undone.');
    await page.getByLabel('Usable for').selectOption('60');
    expect(await page.getByTestId('confirm-summary').textContent()).toBe('The requester may run this command once, within 1 hour. This cannot be undone.');
    expect(await auditThemes(page, 'approver-confirm')).toEqual([]);
    await page.getByTestId('confirm-button').focus();
    await page.keyboard.press('Enter');

    expect(await requester.outcome).toEqual({ state: 'allowed', reason: 'Every control passed.' });
    await eventually(() => page.getByTestId('outcome').textContent()).toBe('Decided 1 request.');
    await eventually(() => row(page, 'true').count()).toBe(0);
    const approval = (await listedApproval(root, requestId))!;
    const granted = new Date(approval.decision!.usableUntil!).getTime() - new Date(approval.decision!.at).getTime();
    expect(granted).toBe(60 * 60_000);
  });

  it("deny with a reason reaches the requester's command, KeeperMessage and the pending notice", async () => {
    const next = windowsFromNow(shell);
    const { requestId } = await root.request(ElevationRequest, { executable: '/usr/bin/id', arguments: [], cwd: '/' });
    const justify = await context.newPage();
    await justify.goto(await next('keeper-justification'));
    await justify.getByRole('textbox').fill('Need to check my groups please');
    await justify.keyboard.press('Control+Enter');
    const pending = await context.newPage();
    await pending.goto(await next('keeper-approval-pending'));
    await pending.getByTestId('status-badge').waitFor();

    await row(page, 'id').click();
    expect(await page.getByTestId('detail').textContent()).toContain('This is your own request');
    // Its policy also asks for MFA, which comes after approval: said so, not made up.
    expect(await page.getByTestId('detail-mfa').textContent()).toBe('Asked after approval (approval comes first), so not done yet');
    expect(await page.getByTestId('detail-publisher').textContent()).toBe('Not signed');
    await page.getByTestId('queue').focus();
    await page.keyboard.press('d');
    await page.getByTestId('confirm').waitFor();
    expect(await page.getByTestId('confirm-button').isDisabled()).toBe(true);
    await page.keyboard.type('Use the self-service portal');
    expect(await page.getByTestId('confirm-summary').textContent()).toBe(
      'The command will not run, and the requester sees your reason. This cannot be undone.',
    );
    await page.getByTestId('confirm-button').focus();
    await page.keyboard.press('Enter');

    await eventually(async () => (await root.request(ElevationStatus, { requestId })).state).toBe('denied');
    expect((await root.request(ElevationStatus, { requestId })).reason).toBe('Denied by root: Use the self-service portal');
    const message = await context.newPage();
    await message.goto(await next('keeper-message'));
    // Worded in the window's language from the reason code; the approver's comment is theirs, as typed.
    await eventually(() => message.getByTestId('message-text').textContent()).toBe('Denied by root.');
    expect(await message.getByTestId('message-comment').textContent()).toBe('Comment: Use the self-service portal');
    expect(await message.getByTestId('message-comment-text').getAttribute('data-raw')).toBe('');
    expect(await message.getByRole('heading', { name: 'About your request' }).count()).toBe(1);
    expect(await auditThemes(message, 'keeper-message-denied')).toEqual([]);
    const german = await openTabOf(message, { lng: 'de' });
    await eventually(() => german.getByTestId('message-text').textContent()).toBe('Abgelehnt von root.');
    expect(await german.getByTestId('message-comment').textContent()).toBe('Kommentar: Use the self-service portal');
    expect(await german.getByRole('heading', { name: 'Zu Ihrer Anfrage' }).count()).toBe(1);
    expect(await seriousAxeViolations(german)).toEqual([]);
    await saveScreenshot(german, 'de-keeper-message-denied');
    await eventually(() => pending.getByTestId('status-text').textContent()).toBe('Denied by root.');
    expect(await pending.getByTestId('decision-reason').textContent()).toBe('Use the self-service portal');
    await pending.getByTestId('dismiss').click();
    await eventually(() => pending.getByTestId('nothing-pending').isVisible()).toBe(true);
    for (const p of [justify, pending, message, german]) await p.close();
  });

  it('two approvers racing on one request produce one decision; the loser is told who won, in place', async () => {
    const second = await openTabOf(page);
    const requester = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/false', 'Racing approvers should not matter');
    const requestId = await requester.requestId;
    for (const p of [page, second]) {
      await row(p, 'false').click();
      await p.getByTestId('queue').focus();
      await p.keyboard.press('a');
      await p.getByTestId('confirm').waitFor();
    }
    await page.getByTestId('confirm-button').click();
    await eventually(() => page.getByTestId('outcome').textContent()).toBe('Decided 1 request.');
    await second.getByTestId('confirm-button').click();
    await eventually(() => second.getByTestId('outcome-problem').textContent()).toBe('false: already Approved by root; your decision was not recorded.');
    expect(await requester.outcome).toMatchObject({ state: 'allowed' });
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    const decisions = db.prepare(`SELECT type FROM audit_events WHERE request_id = ? AND type IN ('approval.approved', 'approval.denied')`).all(requestId);
    db.close();
    expect(decisions).toHaveLength(1);
    // Shown as decided, with who decided it, once the filter shows decided requests too.
    await second.getByTestId('filter-status').selectOption('all');
    await eventually(() => row(second, 'false').first().getByTestId('decided-by').textContent()).toBe('by root');
    await second.close();
  });

  it('filters by text and status, bulk-denies the selection with one confirmation, and lists every shortcut', async () => {
    const requesters = [
      startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/false', 'Bulk one, please deny'),
      startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/true', 'Bulk two, please deny'),
    ];
    await Promise.all(requesters.map((r) => r.requestId));
    await page.getByTestId('filter-status').selectOption('open');
    await eventually(() => page.getByTestId('queue-row').count()).toBe(2);
    await page.getByTestId('filter-text').fill('bulk two');
    await eventually(() => page.getByTestId('shown').textContent()).toMatch(/^Showing 1 of \d+ requests$/);
    expect(await page.getByTestId('queue-row').count()).toBe(1);
    await page.getByTestId('filter-text').fill('');
    await page.getByTestId('queue').focus();
    await page.keyboard.press('Control+a');
    await eventually(() => page.getByTestId('bulk').textContent()).toContain('2 open requests selected');
    await page.keyboard.press('d');
    expect(await page.getByTestId('confirm-list').locator('li').count()).toBe(2);
    await page.keyboard.type('Not during the freeze');
    expect(await page.getByTestId('confirm-summary').textContent()).toBe(
      'None of these commands will run, and each requester sees your reason. This cannot be undone.',
    );
    await page.getByTestId('confirm-button').click();
    for (const requester of requesters) expect(await requester.outcome).toEqual({ state: 'denied', reason: 'Denied by root: Not during the freeze' });
    await eventually(() => page.getByTestId('outcome').textContent()).toBe('Decided 2 requests.');

    await page.keyboard.press('?');
    expect(await page.getByTestId('help').locator('kbd').allTextContents()).toEqual(['↓', 'j', '↑', 'k', 'Space', 'x', 'Ctrl+A', 'a', 'd', '/', 'Esc', '?']);
    await page.keyboard.press('Escape');
    await eventually(() => page.getByTestId('help').count()).toBe(0);
  });

  it('the toast setting mutes new-request toasts; German with lng=de', async () => {
    await page.getByTestId('toasts').uncheck();
    const before = notifySend.calls().length;
    const requester = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/false', 'No toast for this one');
    await requester.requestId;
    await row(page, 'false').waitFor();
    expect(notifySend.calls().length).toBe(before);
    await page.getByTestId('toasts').check();

    const german = await openTabOf(page, { lng: 'de' });
    await eventually(() => german.getByTestId('count-Pending').textContent()).toBe('1 ausstehend');
    expect(await german.getByRole('heading', { level: 1 }).textContent()).toBe('Genehmigungsanfragen');
    await german.close();
    requester.child.kill();
  });

  it('a quorum of two shows "1 of 2 approvals" and who approved, in the queue and the pending notice; the requester never counts', async () => {
    const next = windowsFromNow(shell);
    const { requestId } = await root.request(ElevationRequest, { executable: '/usr/bin/uname', arguments: [], cwd: '/' });
    const justify = await context.newPage();
    await justify.goto(await next('keeper-justification'));
    await justify.getByRole('textbox').fill('Kernel version for the support ticket');
    await justify.keyboard.press('Control+Enter');
    const pending = await context.newPage();
    await pending.goto(await next('keeper-approval-pending'));
    await eventually(() => pending.getByTestId('quorum-progress').textContent()).toBe('0 of 2 approvals');
    const { approvalId } = (await listedApproval(root, requestId))!;

    const bob = await callAs(sandbox.socket, 'keeper-bob', 'approvals.decide', { approvalId, decision: 'approve' });
    expect(bob).toMatchObject({ ok: true, result: { status: 'Pending' } });
    await eventually(() => pending.getByTestId('quorum-progress').textContent()).toBe('1 of 2 approvals');
    expect(await pending.getByTestId('quorum-approvers').textContent()).toBe('approved so far by keeper-bob');
    expect(await auditThemes(pending, 'approval-pending-quorum')).toEqual([]);

    await page.getByTestId('filter-status').selectOption('open');
    // The queue's row shows the progress too, so an approver sees it without opening the request.
    await eventually(() => row(page, 'uname').getByTestId('row-quorum').textContent()).toBe('1 of 2 approved');
    expect(await page.getByTestId('row-quorum').count()).toBe(1);
    await row(page, 'uname').click();
    await eventually(() => page.getByTestId('quorum-progress').textContent()).toBe('1 of 2 approvals');
    expect(await page.getByTestId('quorum-approvers').textContent()).toBe('approved so far by keeper-bob');
    expect(await page.getByTestId('detail').textContent()).toContain('This is your own request: it needs approvers other than you');
    expect(await auditThemes(page, 'approver-quorum')).toEqual([]);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.getByTestId('detail').screenshot({ path: join(SCREENSHOT_DIR, `approver-quorum-detail-${scheme}.png`) });
      await row(page, 'uname').screenshot({ path: join(SCREENSHOT_DIR, `approver-quorum-row-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });

    // Self-approval is allowed on this machine, but never towards a quorum: root asked, so root does not count.
    await expect(root.request(ApprovalsDecide, { approvalId, decision: 'approve' })).rejects.toMatchObject({
      code: -33001,
      message: 'you cannot decide your own request',
    });
    expect(await callAs(sandbox.socket, 'daemon', 'approvals.decide', { approvalId, decision: 'approve' })).toMatchObject({
      ok: true,
      result: { status: 'Approved' },
    });
    await eventually(async () => (await root.request(ElevationStatus, { requestId })).state).toBe('allowed');
    await eventually(() => pending.getByTestId('status-text').textContent()).toBe('Approved by daemon.');
    expect(await pending.getByTestId('quorum-progress').textContent()).toBe('2 of 2 approvals');
    expect(await pending.getByTestId('quorum-approvers').textContent()).toBe('approved by keeper-bob, daemon');
    await pending.getByTestId('dismiss').click();
    for (const p of [justify, pending]) await p.close();
    // Two windows, two axe audits in two themes and eight screenshots: 6 s on one machine, 15-30 s on
    // another, where Debian's Chromium 156 took 1-6 s per element screenshot with nothing else running.
  }, 90_000);
});
