import type { Page } from 'playwright-core';
import { appPolicy } from './policyFixtures.ts';
import type { PromptWindowHarnessOptions, PromptWindowHarness } from './promptWindowHarness.ts';

/**
 * The approval-pending notice through the prompt-window harness: /usr/bin/true needs an approval,
 * and root, the one OS user behind the web shell, is requester and approver at once, so the agent
 * allows self-approval (integration/approvalPending.test.ts covers a requester that is another user).
 */
export const PENDING_NOTICE_HARNESS: PromptWindowHarnessOptions = {
  window: 'keeper-approval-pending',
  viewport: { width: 560, height: 720 },
  apps: { 'col-true': '/usr/bin/true' },
  policies: [appPolicy('pol-true', 'col-true', ['APPROVAL'])],
  config: { approvals: { administrators: { users: ['root'], groups: [] }, approvers: { groups: ['it-approvers'] }, allowSelfApproval: true } },
};

/** Asks for /usr/bin/true, answers the justification window, and opens the pending notice the shell presents with `query`. */
export async function askAndOpenPendingNotice(
  harness: PromptWindowHarness,
  justification: string,
  query: Record<string, string> = {},
): Promise<{ requestId: string; justify: Page; page: Page }> {
  const { requestId } = await harness.request({ executable: '/usr/bin/true', arguments: [], cwd: '/' });
  const justify = await harness.openWindow({}, 'keeper-justification');
  await justify.getByRole('textbox').fill(justification);
  await justify.keyboard.press('Control+Enter');
  const page = await harness.openWindow(query, 'keeper-approval-pending');
  return { requestId, justify, page };
}
