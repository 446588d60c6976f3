import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, PROJECT_DIR, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { launchChromium, saveScreenshot, seriousAxeViolations } from '../support/browser.ts';
import { startWebShell, withQuery, type WebShellProcess } from '../support/webShellProcess.ts';
import { CONTENT_SECURITY_POLICY } from '../../apps/desktop/src/main/security/contentSecurityPolicy.ts';

const version = (JSON.parse(readFileSync(join(PROJECT_DIR, 'package.json'), 'utf8')) as { version: string }).version;

describe('KeeperAgent window in Chromium through the web shell, against a real agent', () => {
  const sandbox = makeSandbox();
  let agent: AgentProcess;
  let shell: WebShellProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir });
    shell = await startWebShell(sandbox.socket);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 560, height: 760 }, colorScheme: 'light' });
    page = await context.newPage();
    await page.goto(shell.agentWindowUrl);
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
    await agent?.stop();
    sandbox.cleanup();
  });

  it('shows the live status of the agent', async () => {
    await expect.poll(() => page.getByTestId('connection-state').textContent()).toBe('Connected');
    expect(await page.getByTestId('agent-version').textContent()).toBe(version);
    expect(await page.getByTestId('backend-state').textContent()).toBe('Online');
    const plugins = await page.getByTestId('plugins').locator('li').allTextContents();
    expect(plugins).toEqual(['Local storeHealthy', 'Desktop connectionHealthy', 'Health endpointHealthy', 'Policy engineHealthy', 'JobsHealthy']);
    expect(await page.getByTestId('policy-summary').textContent()).toMatch(/^\d+ policies in effect, \d+ collections, from \d+ files$/);
    expect(await page.title()).toBe('Keeper Agent');
    const first = await page.getByTestId('agent-uptime').textContent();
    await expect.poll(() => page.getByTestId('agent-uptime').textContent(), { timeout: 3_000 }).not.toBe(first);
  });

  it('passes axe with no serious or critical violation, in light and dark', async () => {
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'keeper-agent-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(20, 23, 28)');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'keeper-agent-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('works with the keyboard alone: the theme can be chosen without a mouse', async () => {
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('SELECT');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset['theme'] ?? 'system')).toBe('system');
  });

  it('says "Disconnected" when the agent stops, and reconnects when it comes back', async () => {
    await agent.stop();
    await expect.poll(() => page.getByTestId('connection-state').textContent()).toBe('Disconnected');
    expect(await page.getByTestId('disconnected-notice').textContent()).toContain('not reachable');
    expect(await page.getByTestId('agent-uptime').textContent()).toBe('Not running');
    await saveScreenshot(page, 'keeper-agent-disconnected');

    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir });
    await expect.poll(() => page.getByTestId('connection-state').textContent(), { timeout: 10_000 }).toBe('Connected');
    expect(await page.getByTestId('disconnected-notice').count()).toBe(0);
  });

  it('speaks German when launched with lng=de', async () => {
    const german = await context.newPage();
    await german.goto(withQuery(shell.agentWindowUrl, { lng: 'de' }));
    await expect.poll(() => german.getByTestId('connection-state').textContent()).toBe('Verbunden');
    expect(await german.evaluate(() => document.documentElement.lang)).toBe('de');
    expect(await german.title()).toBe('Keeper Agent');
    await german.close();
  });

  it('runs under the strict CSP: as a header, as the first thing in <head>, and inline script is refused', async () => {
    const response = await context.request.get(shell.agentWindowUrl.split('#')[0]!);
    expect(response.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    const metaFirst = await page.evaluate(() => {
      const meta = document.head.querySelector('meta[http-equiv="Content-Security-Policy"]');
      const script = document.head.querySelector('script');
      return meta !== null && script !== null && (meta.compareDocumentPosition(script) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
    });
    expect(metaFirst).toBe(true);
    // DevTools evaluation is exempt from CSP, so the probe is an inline script the page itself would run.
    const inline = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          document.addEventListener('securitypolicyviolation', (event) => resolve(`blocked by ${event.effectiveDirective}`), { once: true });
          const script = document.createElement('script');
          script.textContent = 'document.documentElement.dataset.inlineRan = "yes"';
          document.head.append(script);
          setTimeout(() => resolve(document.documentElement.dataset['inlineRan'] === 'yes' ? 'ran' : 'silent'), 1000);
        }),
    );
    expect(inline).toBe('blocked by script-src-elem');
  });

  it('refuses a bridge connection without the window token', async () => {
    const probe = await context.newPage();
    await probe.goto(shell.agentWindowUrl.split('#')[0]!);
    await expect.poll(() => probe.locator('.kp-notice').first().textContent()).toContain('without its web shell token');
    const status = await probe.evaluate(async (origin) => {
      const socket = new WebSocket(`${origin.replace('http', 'ws')}/bridge?token=wrong`);
      return new Promise<string>((resolve) => {
        socket.onopen = () => resolve('open');
        socket.onerror = () => resolve('refused');
      });
    }, new URL(shell.agentWindowUrl).origin);
    expect(status).toBe('refused');
    await probe.close();
  });
});
