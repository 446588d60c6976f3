import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PROJECT_DIR } from './agentProcess.ts';

export const CHROMIUM_PATH = process.env['KEEPER_CHROMIUM'] ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(PROJECT_DIR, 'docs/screenshots');

/**
 * Debian's Chromium, headless, without the background services that would try the network;
 * `extraArgs` are added to its command line.
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install it with "apt-get install -y chromium" (or set KEEPER_CHROMIUM)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-gpu',
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ...extraArgs,
    ],
  });
}

/** axe-core's serious and critical findings, as readable lines (empty means the page passes). */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Prompt windows are not resizable: everything must fit without scrolling (nothing clipped). */
async function overflow(page: Page): Promise<string[]> {
  // A string: this file is typed without the DOM library.
  const { content, window } = await page.evaluate<{ content: number; window: number }>(
    '({ content: document.documentElement.scrollHeight, window: innerHeight })',
  );
  return content > window ? [`content is ${content} px tall, the window ${window} px: it would be clipped`] : [];
}

/**
 * The page must pass axe in light and in dark, and fit its window; saves `<name>-light.png` and
 * `<name>-dark.png` and leaves the page in light. Returns the findings (empty means it passes).
 */
export async function auditBothThemes(page: Page, name: string): Promise<string[]> {
  await page.emulateMedia({ colorScheme: 'light' });
  const light = [...(await seriousAxeViolations(page)), ...(await overflow(page))];
  await saveScreenshot(page, `${name}-light`);
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await seriousAxeViolations(page);
  await saveScreenshot(page, `${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
  return [...light.map((v) => `light: ${v}`), ...dark.map((v) => `dark: ${v}`)];
}
