import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalsDecide } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { listedApproval } from '../support/approvals.ts';
import { auditBothThemes } from '../support/browser.ts';
import { askAndOpenPendingNotice, PENDING_NOTICE_HARNESS } from '../support/pendingNotice.ts';
import { eventually, startPromptWindowHarness, type PromptWindowHarness } from '../support/promptWindowHarness.ts';
import { withQuery } from '../support/webShellProcess.ts';

/**
 * The requester's "approval pending" window (KeeperApproval, pending page) in Chromium through the
 * web shell. The desktop session, the requester and the approver are all root here (one OS user runs
 * the web shell), so the agent's config allows self-approval; the integration test
 * approvalPending.test.ts covers a requester that is another user.
 */
describe('Approval pending (keeper-approval-pending): the requester follows its admin approval in Chromium', () => {
  let harness: PromptWindowHarness;
  let approver: AgentClient;
  /** A new request's pending notice, once it shows its status (the justification window closed). */
  const requestAndWait = async (justification: string): Promise<{ requestId: string; page: Page }> => {
    const { requestId, justify, page } = await askAndOpenPendingNotice(harness, justification);
    await page.getByTestId('status-badge').waitFor();
    await justify.close();
    return { requestId, page };
  };

  beforeAll(async () => {
    harness = await startPromptWindowHarness(PENDING_NOTICE_HARNESS);
    approver = await connectClient(harness.socket);
  });

  afterAll(async () => {
    approver?.close();
    await harness?.stop();
  });

  it('shows Pending, who it went to and the justification; the approver approves and the request is allowed', async () => {
    const { requestId, page } = await requestAndWait('Patch Tuesday: updating the VPN client');
    expect(await page.getByTestId('status-badge').textContent()).toBe('Pending');
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('You asked to run true with administrator rights');
    expect(await page.getByTestId('sent-to').textContent()).toBe('Groups: it-approvers · Users: root');
    expect(await page.getByTestId('justification').textContent()).toBe('Patch Tuesday: updating the VPN client');
    expect(await page.getByTestId('deadline').textContent()).toMatch(/^Expires in (29|30):\d\d if nobody decides$/);
    // Keyboard: the status has the focus, Withdraw is one Tab away (Enter alone never withdraws).
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('approval-status');
    expect(await auditBothThemes(page, 'keeper-approval-pending')).toEqual([]);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Withdraw request');

    const approval = (await listedApproval(approver, requestId, ['Pending']))!;
    const decided = await approver.request(ApprovalsDecide, { approvalId: approval.approvalId, decision: 'approve', usableMinutes: 60 });
    // The same window turns to the outcome: who approved, until when, and that the asking command runs it.
    await eventually(() => page.getByTestId('status-badge').textContent()).toBe('Approved');
    expect(await page.getByTestId('status-text').textContent()).toBe('Approved by root.');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Request approved');
    expect(await page.getByTestId('decided-next').textContent()).toBe('The command that asked runs it now, once; its output appears where you asked.');
    expect(await page.getByTestId('usable-until').locator('time').getAttribute('datetime')).toBe(decided.decision!.usableUntil);
    expect(await harness.finalState(requestId)).toMatchObject({ state: 'allowed', passed: ['JUSTIFY', 'APPROVAL'] });
    expect(await auditBothThemes(page, 'keeper-approval-pending-approved')).toEqual([]);
    // Close (keyboard: the status has the focus, Close is one Tab away) dismisses the notice.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await eventually(() => page.getByTestId('nothing-pending').isVisible()).toBe(true);
    await page.close();
  });

  it('Withdraw request (Tab, Enter) denies the request, and the approver can no longer decide it', async () => {
    const { requestId, page } = await requestAndWait('Maybe I do not need this after all');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await eventually(() => page.getByTestId('nothing-pending').textContent()).toBe(
      'Your request was withdrawn, or you closed its outcome. You can close this window.',
    );
    expect(await harness.finalState(requestId)).toMatchObject({ state: 'denied', reason: 'The approval request was withdrawn by the requester.' });
    const approval = (await listedApproval(approver, requestId, ['Expired']))!;
    expect(approval.decision?.reason).toBe('withdrawn by the requester');
    await expect(approver.request(ApprovalsDecide, { approvalId: approval.approvalId, decision: 'approve' })).rejects.toMatchObject({ code: -33003 });
    await page.close();
  });

  it('speaks German with lng=de', async () => {
    const { requestId, page } = await requestAndWait('Noch eine Anfrage zum Testen');
    await page.goto(withQuery(page.url(), { lng: 'de' }));
    await eventually(() => page.getByTestId('status-badge').textContent()).toBe('Ausstehend');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Warten auf Genehmigung');
    const approval = (await listedApproval(approver, requestId, ['Pending']))!;
    await approver.request(ApprovalsDecide, { approvalId: approval.approvalId, decision: 'deny', reason: 'not today' });
    expect(await harness.finalState(requestId)).toMatchObject({ state: 'denied', reason: 'Denied by root: not today' });
    await eventually(() => page.getByTestId('status-text').textContent()).toBe('Abgelehnt von root.');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Anfrage abgelehnt');
    expect(await page.getByTestId('decision-reason').textContent()).toBe('not today');
    await page.getByTestId('dismiss').click();
    await page.close();
  });
});
