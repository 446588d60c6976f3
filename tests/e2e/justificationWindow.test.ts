import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElevationRequest, ElevationStatus } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, makeSandbox, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { launchChromium, saveScreenshot, seriousAxeViolations } from '../support/browser.ts';
import { startWebShell, withQuery, type WebShellProcess } from '../support/webShellProcess.ts';

describe('KeeperJustification: a JUSTIFY policy answered in Chromium through the web shell', () => {
  const sandbox = makeSandbox();
  const policiesDir = join(sandbox.dir, 'policies');
  let agent: AgentProcess;
  let shell: WebShellProcess;
  let browser: Browser;
  let context: BrowserContext;
  let requester: AgentClient;
  let page: Page;
  let windows = 0;

  const request = () => requester.request(ElevationRequest, { executable: '/usr/bin/true', arguments: ['--install', 'vpn client'], cwd: '/' });
  const finalState = async (requestId: string) => {
    await expect.poll(async () => (await requester.request(ElevationStatus, { requestId })).state, { timeout: 10_000 }).not.toBe('pending');
    return requester.request(ElevationStatus, { requestId });
  };
  /** Each prompt that opens the (closed) window makes the shell present it again. */
  const openPromptWindow = async (query: Record<string, string> = {}) => {
    windows++;
    page = await context.newPage();
    await page.goto(withQuery(await shell.windowUrl('keeper-justification', windows), query));
    await expect.poll(() => page.getByRole('textbox').count()).toBe(1);
  };

  beforeAll(async () => {
    mkdirSync(policiesDir);
    writeFileSync(join(policiesDir, 'collections.json'), JSON.stringify({ Collections: [{ CollectionId: 'col-true', Type: 'Application', Members: [{ Path: '/usr/bin/true' }] }] }));
    writeFileSync(
      join(policiesDir, 'justify.json'),
      JSON.stringify({ PolicyName: 'VPN tools need a reason', PolicyId: 'pol-vpn', PolicyType: 'PrivilegeElevation', Status: 'enforce', ApplicationCheck: ['col-true'], Actions: { OnSuccess: { Controls: ['JUSTIFY', 'AUDIT'] } } }),
    );
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--policies', policiesDir] });
    shell = await startWebShell(sandbox.socket);
    requester = await connectClient(sandbox.socket);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 560, height: 640 } });
  });

  afterAll(async () => {
    requester?.close();
    await browser?.close();
    await shell?.stop();
    await agent?.stop();
    sandbox.cleanup();
  });

  it('opens the window for the prompt, shows what will run and under which policy, with the field focused', async () => {
    const result = await request();
    expect(result.state).toBe('pending');
    await openPromptWindow();
    expect(await page.getByTestId('subject-path').textContent()).toBe('/usr/bin/true');
    expect(await page.getByTestId('subject-command').textContent()).toBe("/usr/bin/true --install 'vpn client'");
    expect(await page.getByText('VPN tools need a reason').count()).toBe(1);
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA');
    expect(await page.getByTestId('expires-in').textContent()).toMatch(/^Expires in [45]:\d\d$/);
    expect(await page.getByRole('button', { name: 'Send justification' }).isDisabled()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'keeper-justification-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'keeper-justification-dark');

    await page.keyboard.type('short');
    expect(await page.getByTestId('counter').textContent()).toBe('5 more characters needed');
    await page.keyboard.type(' reason: VPN for the customer visit');
    expect(await page.getByTestId('counter').textContent()).toMatch(/^\d+ of at most 2000 characters$/);
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.getByTestId('nothing-pending').textContent()).toContain('Justification sent');
    expect(await finalState(result.requestId)).toMatchObject({ state: 'allowed', passed: ['JUSTIFY'] });
    await page.close();
  });

  it('Escape cancels the request, which ends denied', async () => {
    const result = await request();
    await openPromptWindow();
    await page.keyboard.press('Escape');
    expect(await finalState(result.requestId)).toMatchObject({ state: 'denied', reason: 'The justification prompt was cancelled.' });
    await page.close();
  });

  it('speaks German when launched with lng=de', async () => {
    const result = await request();
    await openPromptWindow({ lng: 'de' });
    expect(await page.getByRole('button', { name: 'Begründung senden' }).count()).toBe(1);
    expect(await page.getByTestId('counter').textContent()).toBe('Noch 10 Zeichen erforderlich');
    await page.getByRole('button', { name: 'Anfrage abbrechen' }).click();
    expect((await finalState(result.requestId)).state).toBe('denied');
    await page.close();
  });
});
