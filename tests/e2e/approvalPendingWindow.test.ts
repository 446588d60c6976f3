import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalsDecide, ApprovalsList, ElevationRequest, ElevationStatus } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, makeSandbox, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { auditBothThemes, launchChromium } from '../support/browser.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { appPolicy, writePolicyDir } from '../support/policyFixtures.ts';
import { startWebShell, type WebShellProcess } from '../support/webShellProcess.ts';

/**
 * The requester's "approval pending" window (KeeperApproval, pending page) in Chromium through the
 * web shell. The desktop session, the requester and the approver are all root here (one OS user runs
 * the web shell), so the agent's config allows self-approval; the integration test
 * approvalPending.test.ts covers a requester that is another user.
 */
describe('Approval pending (keeper-approval-pending): the requester follows its admin approval in Chromium', () => {
  const sandbox = makeSandbox();
  let agent: AgentProcess;
  let shell: WebShellProcess;
  let browser: Browser;
  let context: BrowserContext;
  let requester: AgentClient;
  let approver: AgentClient;
  const presented = { 'keeper-justification': 0, 'keeper-approval-pending': 0 };
  const open = async (id: keyof typeof presented) => {
    presented[id]++;
    const page = await context.newPage();
    await page.goto(await shell.windowUrl(id, presented[id]));
    return page;
  };
  /** Asks for /usr/bin/true, answers the justification window, and opens the pending notice. */
  const requestAndWait = async (justification: string): Promise<{ requestId: string; page: Page }> => {
    const { requestId } = await requester.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: '/' });
    const justify = await open('keeper-justification');
    await justify.getByRole('textbox').fill(justification);
    await justify.keyboard.press('Control+Enter');
    const page = await open('keeper-approval-pending');
    await page.getByTestId('status-badge').waitFor();
    await justify.close();
    return { requestId, page };
  };
  const finalState = async (requestId: string) => {
    await eventually(async () => (await requester.request(ElevationStatus, { requestId })).state).not.toBe('pending');
    return requester.request(ElevationStatus, { requestId });
  };

  beforeAll(async () => {
    const policiesDir = join(sandbox.dir, 'policies');
    mkdirSync(policiesDir);
    writePolicyDir(policiesDir, { 'col-true': '/usr/bin/true' }, [appPolicy('pol-true', 'col-true', ['APPROVAL'])]);
    const configFile = join(sandbox.dir, 'agent.json');
    writeFileSync(configFile, JSON.stringify({ approvals: { administrators: { users: ['root'], groups: [] }, approvers: { groups: ['it-approvers'] }, allowSelfApproval: true } }));
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--policies', policiesDir, '--config', configFile] });
    shell = await startWebShell(sandbox.socket);
    requester = await connectClient(sandbox.socket);
    approver = await connectClient(sandbox.socket);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 560, height: 720 }, colorScheme: 'light' });
  });

  afterAll(async () => {
    requester?.close();
    approver?.close();
    await browser?.close();
    await shell?.stop();
    await agent?.stop();
    sandbox.cleanup();
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

    const approval = (await approver.request(ApprovalsList, { statuses: ['Pending'] })).approvals.find((a) => a.requestId === requestId)!;
    const decided = await approver.request(ApprovalsDecide, { approvalId: approval.approvalId, decision: 'approve', usableMinutes: 60 });
    // The same window turns to the outcome: who approved, until when, and that the asking command runs it.
    await eventually(() => page.getByTestId('status-badge').textContent()).toBe('Approved');
    expect(await page.getByTestId('status-text').textContent()).toBe('Approved by root.');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Request approved');
    expect(await page.getByTestId('decided-next').textContent()).toBe('The command that asked runs it now, once; its output appears where you asked.');
    expect(await page.getByTestId('usable-until').locator('time').getAttribute('datetime')).toBe(decided.decision!.usableUntil);
    expect(await finalState(requestId)).toMatchObject({ state: 'allowed', passed: ['JUSTIFY', 'APPROVAL'] });
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
    await eventually(() => page.getByTestId('nothing-pending').textContent()).toBe('Your request was withdrawn, or you closed its outcome. You can close this window.');
    expect(await finalState(requestId)).toMatchObject({ state: 'denied', reason: 'The approval request was withdrawn by the requester.' });
    const approval = (await approver.request(ApprovalsList, { statuses: ['Expired'] })).approvals.find((a) => a.requestId === requestId)!;
    expect(approval.decision?.reason).toBe('withdrawn by the requester');
    await expect(approver.request(ApprovalsDecide, { approvalId: approval.approvalId, decision: 'approve' })).rejects.toMatchObject({ code: -33003 });
    await page.close();
  });

  it('speaks German with lng=de', async () => {
    const { requestId, page } = await requestAndWait('Noch eine Anfrage zum Testen');
    await page.goto(page.url().replace('/#', '/?lng=de#'));
    await eventually(() => page.getByTestId('status-badge').textContent()).toBe('Ausstehend');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Warten auf Genehmigung');
    const approval = (await approver.request(ApprovalsList, { statuses: ['Pending'] })).approvals.find((a) => a.requestId === requestId)!;
    await approver.request(ApprovalsDecide, { approvalId: approval.approvalId, decision: 'deny', reason: 'not today' });
    expect(await finalState(requestId)).toMatchObject({ state: 'denied', reason: 'Denied by root: not today' });
    await eventually(() => page.getByTestId('status-text').textContent()).toBe('Abgelehnt von root.');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Anfrage abgelehnt');
    expect(await page.getByTestId('decision-reason').textContent()).toBe('not today');
    await page.getByTestId('dismiss').click();
    await page.close();
  });
});
