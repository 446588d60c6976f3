import type { Page } from 'playwright-core';
import { LAUNCH_PARAM, tokenStorageKey } from '../../shared/bridge/src/common/webShellLaunch.ts';
import { withQuery } from './webShellProcess.ts';

/** The one-time nonce of a launch link the web shell printed. */
export function launchNonce(url: string): string {
  const nonce = new URLSearchParams(new URL(url).hash.slice(1)).get(LAUNCH_PARAM);
  if (!nonce) throw new Error(`not a web shell launch link: ${url}`);
  return nonce;
}

/** The token a loaded web shell page traded its launch link for (its window's, in sessionStorage). */
export async function pageToken(page: Page): Promise<string> {
  const windowId = new URL(page.url()).pathname.split('/')[1] ?? '';
  const token = await page.evaluate((key) => sessionStorage.getItem(key), tokenStorageKey(windowId));
  if (!token) throw new Error(`the page ${page.url()} holds no web shell token`);
  return token;
}

/**
 * Opens the window of `page` again in another tab (with `query` added), as `window.open` from the
 * page does: a launch link opens one page once, and the new tab inherits the page's sessionStorage,
 * so it holds the same window's token. The stand-in for a test re-visiting a window's URL.
 */
export async function openTabOf(page: Page, query: Record<string, string> = {}): Promise<Page> {
  const url = withQuery(page.url(), query);
  // A string: this file is typed without the DOM library.
  const [tab] = await Promise.all([page.context().waitForEvent('page'), page.evaluate(`void window.open(${JSON.stringify(url)})`)]);
  await tab.waitForLoadState();
  return tab;
}
