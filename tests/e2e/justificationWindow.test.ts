import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditBothThemes } from '../support/browser.ts';
import { JUSTIFICATION_HARNESS } from '../support/justificationPrompt.ts';
import { eventually, startPromptWindowHarness, type PromptWindowHarness } from '../support/promptWindowHarness.ts';

describe('KeeperJustification: a JUSTIFY policy answered in Chromium through the web shell', () => {
  let harness: PromptWindowHarness;

  const request = () => harness.request({ executable: '/usr/bin/true', arguments: ['--install', 'vpn client'], cwd: '/' });
  /** Each prompt that opens the (closed) window makes the shell present it again. */
  const openPromptWindow = async (query: Record<string, string> = {}): Promise<Page> => {
    const page = await harness.openWindow(query);
    await eventually(() => page.getByRole('textbox').count()).toBe(1);
    return page;
  };

  beforeAll(async () => {
    harness = await startPromptWindowHarness(JUSTIFICATION_HARNESS);
  });

  afterAll(() => harness?.stop());

  it('opens the window for the prompt, shows what will run and under which policy, with the field focused', async () => {
    const result = await request();
    expect(result.state).toBe('pending');
    const page = await openPromptWindow();
    expect(await page.getByTestId('subject-path').textContent()).toBe('/usr/bin/true');
    expect(await page.getByTestId('subject-command').textContent()).toBe("/usr/bin/true --install 'vpn client'");
    expect(await page.getByText('VPN tools need a reason').count()).toBe(1);
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA');
    expect(await page.getByTestId('expires-in').textContent()).toMatch(/^Expires in [45]:\d\d$/);
    expect(await page.getByRole('button', { name: 'Send justification' }).isDisabled()).toBe(true);
    expect(await auditBothThemes(page, 'keeper-justification')).toEqual([]);

    await page.keyboard.type('short');
    expect(await page.getByTestId('counter').textContent()).toBe('5 more characters needed');
    await page.keyboard.type(' reason: VPN for the customer visit');
    expect(await page.getByTestId('counter').textContent()).toMatch(/^\d+ of at most 2000 characters$/);
    await page.keyboard.press('Control+Enter');
    await eventually(() => page.getByTestId('nothing-pending').textContent()).toContain('Justification sent');
    expect(await harness.finalState(result.requestId)).toMatchObject({ state: 'allowed', passed: ['JUSTIFY'] });
  });

  it('Escape cancels the request, which ends denied', async () => {
    const result = await request();
    const page = await openPromptWindow();
    await page.keyboard.press('Escape');
    expect(await harness.finalState(result.requestId)).toMatchObject({ state: 'denied', reason: 'The justification prompt was cancelled.' });
  });

  it('takes keys from the commit that shows the prompt: the field is focused and Escape is heard at once', async () => {
    // Armed only for the page opened with ?firstSight: at the first mutation that shows the field,
    // before the browser paints or runs another task, Escape is pressed.
    await harness.addInitScript(() => {
      if (!new URLSearchParams(location.search).has('firstSight')) return;
      new MutationObserver((_, observer) => {
        const field = document.querySelector('textarea');
        if (!field) return;
        observer.disconnect();
        document.documentElement.dataset.focusedAtFirstSight = String(document.activeElement === field);
        document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }));
      }).observe(document, { childList: true, subtree: true });
    });
    const result = await request();
    const page = await harness.openWindow({ firstSight: '1' });
    expect(await harness.finalState(result.requestId)).toMatchObject({ state: 'denied', reason: 'The justification prompt was cancelled.' });
    expect(await page.evaluate(() => document.documentElement.dataset.focusedAtFirstSight)).toBe('true');
  });

  it('speaks German when launched with lng=de', async () => {
    const result = await request();
    const page = await openPromptWindow({ lng: 'de' });
    expect(await page.getByRole('button', { name: 'Begründung senden' }).count()).toBe(1);
    expect(await page.getByTestId('counter').textContent()).toBe('Noch 10 Zeichen erforderlich');
    await page.getByRole('button', { name: 'Anfrage abbrechen' }).click();
    expect((await harness.finalState(result.requestId)).state).toBe('denied');
  });
});

describe('KeeperJustification enforces the length bounds of the agent config (justification.minLength / maxLength)', () => {
  let harness: PromptWindowHarness;

  beforeAll(async () => {
    harness = await startPromptWindowHarness({ ...JUSTIFICATION_HARNESS, config: { justification: { minLength: 4, maxLength: 12 } } });
  });

  afterAll(() => harness?.stop());

  it('counts towards the configured minimum, takes no more than the maximum, and the agent accepts it', async () => {
    const result = await harness.request({ executable: '/usr/bin/true', arguments: [], cwd: '/' });
    const page = await harness.openWindow();
    await eventually(() => page.getByRole('textbox').count()).toBe(1);
    await page.keyboard.type('abc');
    expect(await page.getByTestId('counter').textContent()).toBe('1 more character needed');
    expect(await page.getByRole('button', { name: 'Send justification' }).isDisabled()).toBe(true);
    await page.keyboard.type('d ticket 4711 and more');
    expect(await page.getByRole('textbox').inputValue()).toBe('abcd ticket ');
    expect(await page.getByTestId('counter').textContent()).toBe('11 of at most 12 characters');
    await page.keyboard.press('Control+Enter');
    await eventually(() => page.getByTestId('nothing-pending').textContent()).toContain('Justification sent');
    expect(await harness.finalState(result.requestId)).toMatchObject({ state: 'allowed', passed: ['JUSTIFY'] });
  });
});
