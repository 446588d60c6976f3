import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElevationStatus } from '../../shared/protocol/src/common/index.ts';
import { makeSandbox, type AgentProcess, startAgent } from '../support/agentProcess.ts';
import { launchChromium, SCREENSHOT_DIR, seriousAxeViolations } from '../support/browser.ts';
import { JUSTIFICATION_HARNESS } from '../support/justificationPrompt.ts';
import { askAndOpenPendingNotice, PENDING_NOTICE_HARNESS } from '../support/pendingNotice.ts';
import { eventually, startPromptWindowHarness, type PromptWindowHarness } from '../support/promptWindowHarness.ts';
import { startWebShell, type WebShellProcess } from '../support/webShellProcess.ts';
import { openTabOf } from '../support/webShellLaunch.ts';
import { issueEnrollmentCode } from '../support/enrollmentCode.ts';

/**
 * The pseudo-locale (en-XA) turns every string that comes through i18next into `[àççéñtéd~~~]`,
 * a third longer. So in it, (a) a visible word that is not bracketed did not come through i18next,
 * and (b) a bracket that is cut off, or text that leaves the window, is clipped.
 *
 * Data (paths, hashes, versions, names from policies, dates formatted by Intl…) is not ours to
 * translate: the windows mark the element that shows it with `data-raw`, and only that is exempt.
 */

interface Finding {
  readonly text: string;
  readonly where: string;
}

/** Text that was not pseudo-localised: text nodes with a letter, and the accessible-name attributes. */
function untranslated(): Finding[] {
  const PSEUDO = /^\[[^]*~+\]$/u;
  const LETTER = /\p{L}/u;
  const label = (element: Element) => {
    const id = element.getAttribute('data-testid');
    return `${element.tagName.toLowerCase()}${id ? `[data-testid=${id}]` : ''}${element.className ? `.${String(element.className).replace(/\s+/g, '.')}` : ''}`;
  };
  const exempt = (element: Element | null) => element === null || element.closest('[data-raw], script, style, noscript, template, textarea') !== null;
  const found: Finding[] = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = (node.textContent ?? '').trim();
    if (!LETTER.test(text) || exempt(node.parentElement)) continue;
    if (!PSEUDO.test(text)) found.push({ text, where: label(node.parentElement!) });
  }
  for (const element of document.body.querySelectorAll('[aria-label], [alt], [title], [placeholder], [aria-description]')) {
    if (exempt(element)) continue;
    for (const attribute of ['aria-label', 'alt', 'title', 'placeholder', 'aria-description']) {
      const value = element.getAttribute(attribute)?.trim();
      if (value && LETTER.test(value) && !PSEUDO.test(value)) found.push({ text: value, where: `${label(element)}@${attribute}` });
    }
  }
  if (!PSEUDO.test(document.title)) found.push({ text: document.title, where: 'title' });
  return found;
}

/**
 * Clipping: an element that hides its overflow must fit its text, every text must lie inside the
 * window, and the page must not be wider than the window.
 */
function clipped(): Finding[] {
  const found: Finding[] = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width + 1) {
    found.push({ text: `document is ${document.documentElement.scrollWidth} px wide`, where: `window of ${width} px` });
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = (node.textContent ?? '').trim();
    const parent = node.parentElement;
    if (!text || !parent || parent.closest('script, style, option') || parent.getClientRects().length === 0) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const rect of range.getClientRects()) {
      if (rect.width > 0 && (rect.left < -1 || rect.right > width + 1)) found.push({ text, where: `runs from x=${rect.left} to ${rect.right}` });
    }
    for (let element: Element | null = parent; element && element !== document.documentElement; element = element.parentElement) {
      const style = getComputedStyle(element);
      const hides = (overflow: string) => overflow !== 'visible';
      if (hides(style.overflowX) && element.scrollWidth > element.clientWidth + 1) {
        found.push({
          text,
          where: `${element.tagName.toLowerCase()}.${element.className}: scrollWidth ${element.scrollWidth} > clientWidth ${element.clientWidth}`,
        });
      }
      if (hides(style.overflowY) && element.tagName !== 'BODY' && element.scrollHeight > element.clientHeight + 1) {
        found.push({
          text,
          where: `${element.tagName.toLowerCase()}.${element.className}: scrollHeight ${element.scrollHeight} > clientHeight ${element.clientHeight}`,
        });
      }
    }
  }
  return found;
}

/** Runs a DOM probe in the page (the functions above are self-contained). */
const probe = (page: Page, fn: () => Finding[]) => page.evaluate(fn);

async function fullScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** In high contrast (chosen, or the OS asking for more contrast / forced colours), the page still passes axe. */
async function highContrastFindings(page: Page, name: string): Promise<string[]> {
  const findings: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme, contrast: 'more' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(colorScheme === 'light' ? 'rgb(255, 255, 255)' : 'rgb(0, 0, 0)');
    findings.push(...(await seriousAxeViolations(page)).map((v) => `system + prefers-contrast: more, ${colorScheme}: ${v}`));
  }
  await page.emulateMedia({ colorScheme: 'light', contrast: 'no-preference' });
  await page.getByRole('combobox', { name: 'Theme', exact: true }).selectOption('high-contrast');
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(0, 0, 0)');
  findings.push(...(await seriousAxeViolations(page)).map((v) => `high-contrast theme: ${v}`));
  await fullScreenshot(page, `${name}-high-contrast`);
  await page.getByRole('combobox', { name: 'Theme', exact: true }).selectOption('system');
  return findings;
}

describe('KeeperAgent window: pseudo-locale, French and Japanese, high contrast', () => {
  const sandbox = makeSandbox();
  let agent: AgentProcess;
  let shell: WebShellProcess;
  let browser: Browser;

  /** The window's first page, from its one-time launch link; each test opens a tab of it (openTabOf). */
  let home: Page | undefined;
  const open = async (query: Record<string, string>): Promise<Page> => {
    if (!home) {
      home = await (await browser.newContext({ viewport: { width: 560, height: 760 }, colorScheme: 'light' })).newPage();
      await home.goto(shell.agentWindowUrl);
      // The first page starts cold (Chromium, the bundle, the launch exchange): give it the time a loaded host needs.
      await expect.poll(() => home!.getByTestId('plugins').locator('li').count(), { timeout: 20_000 }).toBe(5);
    }
    const page = await openTabOf(home, query);
    await eventually(() => page.getByTestId('plugins').locator('li').count()).toBe(5);
    await eventually(() => page.getByTestId('connection-state').getAttribute('data-tone')).toBe('ok');
    return page;
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

  it('in en-XA every visible string came through i18next, and nothing is clipped', async () => {
    const page = await open({ lng: 'en-XA' });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en-XA');
    expect(await page.getByTestId('connection-state').textContent()).toMatch(/^\[Çóññéçtéd~+\]$/);
    await fullScreenshot(page, 'pseudo-keeper-agent');
    expect(await probe(page, untranslated)).toEqual([]);
    expect(await probe(page, clipped)).toEqual([]);
    await page.close();
  });

  it.each(['fr', 'ja'])('in %s passes axe and fits the window', async (lng) => {
    const page = await open({ lng });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(lng);
    expect(await page.getByTestId('connection-state').textContent()).toBe(lng === 'fr' ? 'Connecté' : '接続済み');
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(await probe(page, clipped)).toEqual([]);
    await page.close();
  });

  it('offers high contrast in the theme select, and takes it from the OS under "system"', async () => {
    const page = await open({});
    expect(await page.getByRole('combobox', { name: 'Theme', exact: true }).locator('option').allTextContents()).toEqual([
      'System',
      'Light',
      'Dark',
      'High contrast',
    ]);
    expect(await highContrastFindings(page, 'keeper-agent')).toEqual([]);
    await page.emulateMedia({ forcedColors: 'active' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.close();
  });
});

describe('KeeperJustification window: pseudo-locale, French and Japanese, high contrast', () => {
  let harness: PromptWindowHarness;

  /**
   * Asks for elevation, opens the window the shell presents for it, runs `check` and then answers
   * the prompt (cancels it) even if the check failed: the shell presents the window anew only for a
   * prompt that finds nothing open.
   */
  const withPrompt = async (query: Record<string, string>, check: (page: Page) => Promise<void>) => {
    const result = await harness.request({ executable: '/usr/bin/true', arguments: ['--install', 'vpn client'], cwd: '/' });
    expect(result.state).toBe('pending');
    const page = await harness.openWindow(query);
    try {
      await eventually(() => page.getByRole('textbox').count()).toBe(1);
      await eventually(() => page.getByTestId('expires-in').count()).toBe(1);
      await check(page);
    } finally {
      await page.keyboard.press('Escape');
      expect((await harness.finalState(result.requestId)).state).toBe('denied');
    }
  };

  beforeAll(async () => {
    harness = await startPromptWindowHarness(JUSTIFICATION_HARNESS);
  });

  afterAll(() => harness?.stop());

  it('in en-XA every visible string came through i18next, and nothing is clipped', async () => {
    await withPrompt({ lng: 'en-XA' }, async (page) => {
      await page.keyboard.type('short');
      await eventually(() => page.getByTestId('counter').textContent()).toMatch(/^\[.*5.*~+\]$/);
      await fullScreenshot(page, 'pseudo-keeper-justification');
      expect(await probe(page, untranslated)).toEqual([]);
      expect(await probe(page, clipped)).toEqual([]);
      // The data is shown as it is, not pseudo-localised.
      expect(await page.getByTestId('subject-path').textContent()).toBe('/usr/bin/true');
    });
  });

  it.each(['fr', 'ja'])('in %s passes axe and fits the window', async (lng) => {
    await withPrompt({ lng }, async (page) => {
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(lng);
      expect(await page.getByRole('button', { name: lng === 'fr' ? 'Envoyer la justification' : '理由を送信' }).count()).toBe(1);
      expect(await page.getByTestId('counter').textContent()).toBe(lng === 'fr' ? 'Encore 10 caractères requis' : 'あと 10 文字必要です');
      await fullScreenshot(page, `${lng}-keeper-justification`);
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(await probe(page, clipped)).toEqual([]);
    });
  });

  it('passes axe in high contrast, chosen or from the OS', async () => {
    await withPrompt({}, async (page) => {
      expect(await highContrastFindings(page, 'keeper-justification')).toEqual([]);
    });
  });
});

/** Prompt windows are not resizable: in the pseudo-locale their content must still fit the window's height. */
function tooTall(): Finding[] {
  const content = document.documentElement.scrollHeight;
  return content > innerHeight ? [{ text: `content is ${content} px tall`, where: `window of ${innerHeight} px` }] : [];
}

describe('KeeperMFA window (authenticator setup, its tallest page): pseudo-locale, French and Japanese', () => {
  let harness: PromptWindowHarness;

  /** Asks for elevation, opens the MFA window on its setup page, runs `check`, then cancels (Escape). */
  const withSetupPage = async (query: Record<string, string>, check: (page: Page) => Promise<void>) => {
    const result = await harness.request({ executable: '/usr/bin/true', arguments: [], cwd: '/' });
    expect(result.state).toBe('pending');
    const page = await harness.openWindow(query);
    try {
      // A first enrollment starts with the administrator's one-time code.
      await page.getByTestId('enrollment-code').fill(await issueEnrollmentCode(harness.dataDir, 'root'));
      await page.keyboard.press('Enter');
      await page.getByTestId('enroll-secret').waitFor();
      await eventually(() => page.getByTestId('expires-in').count()).toBe(1);
      await check(page);
    } finally {
      await page.keyboard.press('Escape');
      expect((await harness.finalState(result.requestId)).state).toBe('denied');
    }
  };

  beforeAll(async () => {
    harness = await startPromptWindowHarness({
      window: 'keeper-mfa',
      viewport: { width: 560, height: 720 },
      files: {
        'collections.json': { Collections: [{ CollectionId: 'col-true', Type: 'Application', Members: [{ Path: '/usr/bin/true' }] }] },
        'mfa.json': {
          PolicyName: 'Second factor',
          PolicyId: 'pol-mfa',
          PolicyType: 'PrivilegeElevation',
          Status: 'enforce',
          ApplicationCheck: ['col-true'],
          Actions: { OnSuccess: { Controls: ['MFA'] } },
        },
      },
    });
  });

  afterAll(() => harness?.stop());

  it('in en-XA every visible string came through i18next, nothing is clipped, and it fits the window', async () => {
    await withSetupPage({ lng: 'en-XA' }, async (page) => {
      await fullScreenshot(page, 'pseudo-keeper-mfa');
      expect(await probe(page, untranslated)).toEqual([]);
      expect(await probe(page, clipped)).toEqual([]);
      expect(await probe(page, tooTall)).toEqual([]);
    });
  });

  it.each(['fr', 'ja'])('in %s passes axe and fits the window', async (lng) => {
    await withSetupPage({ lng }, async (page) => {
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(lng);
      await fullScreenshot(page, `${lng}-keeper-mfa`);
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(await probe(page, clipped)).toEqual([]);
      expect(await probe(page, tooTall)).toEqual([]);
    });
  });
});

describe('Approval pending window: pseudo-locale, French and Japanese', () => {
  let harness: PromptWindowHarness;

  /**
   * Asks for /usr/bin/true, answers the justification window, opens the pending notice with `query`,
   * runs `check`, then withdraws the request (which closes the notice) even if the check failed.
   */
  const withPendingNotice = async (query: Record<string, string>, check: (page: Page) => Promise<void>) => {
    const { requestId, justify, page } = await askAndOpenPendingNotice(harness, 'Patch Tuesday: updating the VPN client', query);
    try {
      await page.getByTestId('status-badge').waitFor();
      await check(page);
    } finally {
      // Withdraw (the notice's only button): a decided request's notice stays open until the requester saw it.
      await page.locator('main button').click();
      await eventually(async () => (await harness.requester.request(ElevationStatus, { requestId })).state).toBe('denied');
      await justify.close();
      await page.close();
    }
  };

  beforeAll(async () => {
    harness = await startPromptWindowHarness(PENDING_NOTICE_HARNESS);
  });

  afterAll(() => harness?.stop());

  it('in en-XA every visible string came through i18next, nothing is clipped, and it fits the window', async () => {
    await withPendingNotice({ lng: 'en-XA' }, async (page) => {
      await fullScreenshot(page, 'pseudo-keeper-approval-pending');
      expect(await probe(page, untranslated)).toEqual([]);
      expect(await probe(page, clipped)).toEqual([]);
      expect(await probe(page, tooTall)).toEqual([]);
    });
  });

  it.each(['fr', 'ja'])('in %s passes axe and fits the window', async (lng) => {
    await withPendingNotice({ lng }, async (page) => {
      expect(await page.evaluate(() => document.documentElement.lang)).toBe(lng);
      await fullScreenshot(page, `${lng}-keeper-approval-pending`);
      expect(await seriousAxeViolations(page)).toEqual([]);
      expect(await probe(page, clipped)).toEqual([]);
      expect(await probe(page, tooTall)).toEqual([]);
    });
  });
});
