import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentParentScript } from '../support/agentShapedProcess.ts';
import { launchChromium, saveScreenshot, seriousAxeViolations } from '../support/browser.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, policy } from '../support/policyFixtures.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { windowTabs, type WindowTabs } from '../support/webShellLaunch.ts';
import { startWebShell, type WebShellProcess } from '../support/webShellProcess.ts';

/**
 * The KeeperAgent window's "why" view says what the agent detected about the process that asks and
 * why (docs/agentic.md): here the suite itself runs under a process shaped like Claude Code, so
 * the agent finds it in the suite's ancestry, and the agentic policy types (docs/policy-semantics.md
 * 5.4) join the decision. Real agent, real process tree, Chromium through the web shell.
 */
describe('KeeperAgent "why" view: the AI agent found in the process tree', () => {
  const sandbox = policyAgentSandbox();
  let shell: WebShellProcess;
  let browser: Browser;
  let tabs: WindowTabs;

  beforeAll(async () => {
    await sandbox.start({
      files: {
        'collections.json': {
          Collections: [
            { CollectionId: 'col-true', Type: 'Application', Members: [{ Path: '/usr/bin/true' }] },
            { CollectionId: 'col-aider', Name: 'Aider', Type: 'Application', Members: [{ Path: '*/aider' }] },
          ],
        },
        'policies.json': [
          appPolicy('allow-true', 'col-true', ['ALLOW'], { PolicyName: 'Everyday tools' }),
          policy('agents-ask', ['OPERATORAPPROVAL'], {
            PolicyName: 'AI agents ask you first',
            PolicyType: 'AgenticPrivilegeElevation',
            Extension: { minAiLikelihoodPercent: 80 },
          }),
          policy('no-aider', ['DENY'], { PolicyName: 'No Aider here', PolicyType: 'AgenticAiAccess', ApplicationCheck: ['col-aider'] }),
        ],
      },
    });
    shell = await startWebShell(sandbox.socket, process.env, { via: agentParentScript(join(sandbox.dir, 'agents'), 'claude') });
    browser = await launchChromium();
    tabs = await windowTabs(browser, shell.agentWindowUrl, { viewport: { width: 560, height: 900 } });
  });

  afterEach(() => tabs.closeTabs());

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
    await sandbox.dispose();
  });

  const explain = async (line: string, on: Page) => {
    // Keyboard only: type the line and press Enter in the field.
    await on.getByTestId('why-input').focus();
    await on.keyboard.press('ControlOrMeta+A');
    await on.keyboard.type(line);
    await on.keyboard.press('Enter');
    await eventually(() => on.getByTestId('why-agentic').count()).toBe(1);
  };

  it('names the agent, the matched ancestor, the name it goes by and each weight, and applies the agentic policy', async () => {
    const page = await tabs.open();
    await eventually(() => page.getByTestId('connection-state').textContent()).toBe('Connected');
    await explain('/usr/bin/true', page);
    const agentic = page.getByTestId('why-agentic');
    expect(await agentic.getByTestId('why-agentic-summary').textContent()).toBe(
      `Treated as an AI agent’s request, likelihood 100 %. Acting process: ${join(sandbox.dir, 'agents', 'claude')}`,
    );
    const signals = agentic.getByTestId('why-agentic-signals').locator('li');
    expect(await signals.evaluateAll((items) => items.map((i) => i.getAttribute('data-signal')))).toEqual(['signature', 'headless']);
    expect(await signals.nth(0).textContent()).toBe(
      `The process 1 step above the one that asked goes by “claude”: ${join(sandbox.dir, 'agents', 'claude')} · known AI agent Claude Code · weight 95 %`,
    );
    expect(await signals.nth(1).textContent()).toBe('The process that asked has no terminal, so nobody typed it: the agent ran it on its own · weight 100 %');
    // The user's own ALLOW and the agentic layer's End User Approval, which the agent type badge marks.
    expect(await page.getByTestId('why-outcome').textContent()).toBe('Allowed after controls');
    expect(
      await page
        .getByTestId('why-controls')
        .locator('li')
        .evaluateAll((items) => items.map((i) => i.getAttribute('data-control'))),
    ).toEqual(['OPERATORAPPROVAL']);
    expect(await page.getByTestId('why-type-agents-ask').textContent()).toBe('Agentic Privilege Elevation');
    expect(await page.getByTestId('why-unmatched').locator('li[data-policy-id="no-aider"]').count()).toBe(1);

    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    for (const theme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      await page.getByTestId('why-agentic').evaluate((block) => block.scrollIntoView({ block: 'center' }));
      await saveScreenshot(page, `keeper-agent-why-agentic-${theme}`);
    }
  });

  it('words the findings in German with lng=de', async () => {
    const german = await tabs.open({ lng: 'de' });
    await eventually(() => german.getByTestId('why-input').count()).toBe(1);
    await explain('/usr/bin/true', german);
    expect(await german.getByTestId('why-agentic-summary').textContent()).toContain('Als Anfrage eines KI-Agenten behandelt, Wahrscheinlichkeit 100 %');
    expect(await german.getByTestId('why-agentic-signals').locator('li').nth(0).textContent()).toContain(
      'Der Prozess 1 Stufe über dem anfragenden heißt „claude“',
    );
  });
});
