import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditBothThemes } from '../support/browser.ts';
import { eventually, startPromptWindowHarness, type PromptWindowHarness } from '../support/promptWindowHarness.ts';

describe('End-user approval (KeeperApproval): OPERATORAPPROVAL answered in Chromium through the web shell', () => {
  let harness: PromptWindowHarness;
  const request = () =>
    harness.request({
      executable: '/usr/bin/env',
      arguments: ['PATH=/usr/sbin:/usr/bin', 'apt-get', 'install', 'curl'],
      cwd: '/',
      agentic: { parentProcess: '/opt/agents/bin/coding-agent', aiLikelihoodPercent: 92 },
    });
  const openPrompt = async () => {
    const page = await harness.openWindow();
    await page.getByRole('button', { name: 'Deny' }).waitFor();
    return page;
  };
  const focused = (page: Awaited<ReturnType<typeof openPrompt>>) => page.evaluate(() => document.activeElement?.textContent);

  beforeAll(async () => {
    harness = await startPromptWindowHarness({
      window: 'keeper-approval',
      viewport: { width: 560, height: 640 },
      files: {
        'collections.json': { Collections: [{ CollectionId: 'col-env', Type: 'Application', Members: [{ Path: '/usr/bin/env' }] }] },
        'agents.json': {
          PolicyName: 'AI agents ask the user first',
          PolicyId: 'pol-agents',
          PolicyType: 'PrivilegeElevation',
          Status: 'enforce',
          ApplicationCheck: ['col-env'],
          Actions: { OnSuccess: { Controls: ['OPERATORAPPROVAL'] } },
        },
      },
    });
  });

  afterAll(() => harness?.stop());

  it('says which agent wants to run what, with Deny focused first; Approve allows the request', async () => {
    const result = await request();
    expect(result.state).toBe('pending');
    const page = await openPrompt();
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('coding-agent wants to run env with administrator rights');
    expect(await page.getByTestId('agent-process').textContent()).toBe('/opt/agents/bin/coding-agent');
    expect(await page.getByTestId('ai-likelihood').textContent()).toBe('92%');
    expect(await page.getByTestId('subject-command').textContent()).toBe('/usr/bin/env PATH=/usr/sbin:/usr/bin apt-get install curl');
    expect(await page.getByText('AI agents ask the user first').count()).toBe(1);
    expect(await page.getByTestId('on-timeout').textContent()).toBe('If you do not answer before the time runs out, the action is denied.');
    expect(await page.getByTestId('expires-in').textContent()).toMatch(/^Expires in [12]:\d\d$/);
    expect(await focused(page)).toBe('Deny');
    expect(await auditBothThemes(page, 'keeper-approval')).toEqual([]);

    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('Approve');
    await page.keyboard.press('Enter');
    await eventually(() => page.getByTestId('nothing-pending').textContent()).toBe('Your answer was sent. You can close this window.');
    expect(await harness.finalState(result.requestId)).toMatchObject({ state: 'allowed', passed: ['OPERATORAPPROVAL'] });
  });

  it('Deny (the focused default, so Enter) denies: keeper-elevate exits 1 with the agent’s reason', async () => {
    const run = harness.elevate(['env']);
    const page = await openPrompt();
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('env wants administrator rights');
    expect(await page.getByTestId('agent-process').count()).toBe(0);
    expect(await page.getByTestId('ai-likelihood').count()).toBe(0);
    await page.keyboard.press('Enter');
    const outcome = await run;
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toContain('keeper-elevate: denied: The user at the endpoint denied the action.\n');
  });

  it('Escape cancels, and the fail-mode denies', async () => {
    const result = await request();
    const page = await openPrompt();
    await page.keyboard.press('Escape');
    expect(await harness.finalState(result.requestId)).toMatchObject({
      state: 'denied',
      reason: 'The approval prompt was cancelled. The fail-mode denies the action.',
    });
  });
});
