import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentParentScript } from '../support/agentShapedProcess.ts';
import { launchChromium, SCREENSHOT_DIR, seriousAxeViolations } from '../support/browser.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { startRequester } from '../support/requesterProcess.ts';
import { startWebShell, type WebShellProcess } from '../support/webShellProcess.ts';

const row = (page: Page, name: string) => page.getByTestId('queue-row').filter({ has: page.getByTestId('row-title').getByText(name, { exact: true }) });

/**
 * The approver's request detail says whether an AI agent asked for the requester, and why
 * (docs/agentic.md): `keeper-alice` asks from under a process shaped like Aider (a real second OS
 * user, a real process tree), root decides in the approver window (Chromium through the web shell).
 */
describe('Approver queue: what the agent detected about an AI agent behind a request', () => {
  const sandbox = policyAgentSandbox();
  let shell: WebShellProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    sandbox.desktopSessions.add({ user: 'keeper-alice' });
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true', 'col-false': '/usr/bin/false' },
      policies: [appPolicy('pol-true', 'col-true', ['APPROVAL']), appPolicy('pol-false', 'col-false', ['APPROVAL'])],
      config: { approvals: { administrators: { users: ['root'], groups: [] } } },
      openToOtherUsers: true,
    });
    shell = await startWebShell(sandbox.socket, process.env, { args: ['--user-data-dir', join(sandbox.dir, 'desktop')] });
    const approverUrl = await shell.windowUrl('keeper-approver');
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1180, height: 900 }, colorScheme: 'light' })).newPage();
    await page.goto(approverUrl);
    await page.getByTestId('queue').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
    await sandbox.dispose();
  });

  it('names the known agent, the ancestor that matched and each weight; a request typed by hand says none', async () => {
    const aider = agentParentScript(join(sandbox.dir, 'agents'), 'aider');
    const byAgent = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/true', 'The agent wants to run the test suite', { via: aider });
    await byAgent.requestId;
    const byHand = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/false', 'Checking the exit status by hand');
    await byHand.requestId;

    await row(page, 'true').waitFor();
    await row(page, 'true').click();
    const detail = page.getByTestId('detail-agentic');
    // Started by a test, not typed at a terminal: the headless signal as well.
    expect(await detail.textContent()).toContain(`Likelihood 100 %, acting process ${aider}`);
    const signals = page.getByTestId('detail-agentic-signals').locator('li');
    expect(await signals.evaluateAll((items) => items.map((i) => i.getAttribute('data-signal')))).toEqual(['signature', 'headless']);
    expect(await signals.nth(0).textContent()).toBe('The process 1 step above the request goes by “aider”, a known AI agent: Aider · weight 95 %');
    expect(await seriousAxeViolations(page)).toEqual([]);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await seriousAxeViolations(page)).toEqual([]);
      await page.getByTestId('detail').screenshot({ path: join(SCREENSHOT_DIR, `approver-detail-agentic-${scheme}.png`) });
    }
    await page.emulateMedia({ colorScheme: 'light' });

    // Keyboard: the next request of the queue (j), the one typed by hand.
    await row(page, 'false').waitFor();
    await page.keyboard.press('j');
    await eventually(() => page.getByTestId('detail-command').textContent()).toBe('/usr/bin/false');
    expect(await page.getByTestId('detail-agentic').textContent()).toBe('None detected in the requester’s process tree');
    byAgent.child.kill('SIGKILL');
    byHand.child.kill('SIGKILL');
  });
});
