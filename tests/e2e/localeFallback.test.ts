import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { launchChromium } from '../support/browser.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { startWebShell, withQuery, type WebShellProcess } from '../support/webShellProcess.ts';

const LOCALES = join(import.meta.dirname, '../../shared/i18n/src/locales');
/** A German string found only in the chunk built from de/agent.json. */
const GERMAN_AGENT = (JSON.parse(readFileSync(join(LOCALES, 'de/agent.json'), 'utf8')) as { connection: { label: string } }).connection.label;

describe('a window whose language cannot load falls back to English (KeeperAgent, Chromium, web shell)', () => {
  const sandbox = makeSandbox();
  let agent: AgentProcess;
  let shell: WebShellProcess;
  let browser: Browser;

  /** One tab: the window's launch link opens it once, and a navigation in the same tab keeps its token. */
  let tab: Page | undefined;
  /** Opens the window in German; with `breakGerman`, the fetch of the German agent chunk fails. */
  const openGerman = async (breakGerman: boolean): Promise<{ page: Page; errors: string[]; aborted: string[] }> => {
    const url = tab ? tab.url() : shell.agentWindowUrl;
    const page = (tab ??= await (await browser.newContext({ colorScheme: 'light' })).newPage());
    const errors: string[] = [];
    const aborted: string[] = [];
    page.on('console', (message) => void (message.type() === 'error' && errors.push(message.text())));
    if (breakGerman) {
      await page.route('**/assets/*.js', async (route) => {
        const response = await route.fetch();
        const body = await response.text();
        if (!body.includes(GERMAN_AGENT)) return route.fulfill({ response, body });
        aborted.push(route.request().url());
        return route.abort('failed');
      });
    }
    await page.goto(withQuery(url, { lng: 'de' }));
    await eventually(() => page.getByTestId('connection-state').getAttribute('data-tone')).toBe('ok');
    return { page, errors, aborted };
  };

  beforeAll(async () => {
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir });
    shell = await startWebShell(sandbox.socket);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
    await agent?.stop();
    sandbox.cleanup();
  });

  it('shows German when its chunk loads', async () => {
    const { page, errors } = await openGerman(false);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('de');
    expect(await page.getByTestId('connection-state').textContent()).toBe('Verbunden');
    expect(errors).toEqual([]);
  });

  it('shows the window in English, and logs why, when the German chunk fails to load', async () => {
    const { page, errors, aborted } = await openGerman(true);
    expect(aborted).toHaveLength(1);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    expect(await page.title()).toBe('Keeper Agent');
    expect(await page.getByTestId('connection-state').textContent()).toBe('Connected');
    expect(await page.getByRole('combobox', { name: 'Theme', exact: true }).isVisible()).toBe(true);
    // The aborted fetch itself is logged by Chromium too; ours names the window and the language.
    expect(errors.filter((error) => error.startsWith('Keeper agent window: the de translations did not load, showing en:'))).toHaveLength(1);
    await page.context().close();
  });
});
