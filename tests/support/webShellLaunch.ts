import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { LAUNCH_PARAM, tokenStorageKey } from '../../shared/bridge/src/common/webShellLaunch.ts';
import { withQuery } from './webShellProcess.ts';

/** The one-time nonce of a launch link the web shell printed. */
export function launchNonce(url: string): string {
  const nonce = new URLSearchParams(new URL(url).hash.slice(1)).get(LAUNCH_PARAM);
  if (!nonce) throw new Error(`not a web shell launch link: ${url}`);
  return nonce;
}

/**
 * The token a loaded web shell page traded its launch link for (its window's, in sessionStorage),
 * once the page has it: the shell sends it as the bridge socket's first message.
 */
export async function pageToken(page: Page): Promise<string> {
  const windowId = new URL(page.url()).pathname.split('/')[1] ?? '';
  const key = tokenStorageKey(windowId);
  await page.waitForFunction((name) => sessionStorage.getItem(name) !== null, key, { timeout: 10_000 });
  const token = await page.evaluate((name) => sessionStorage.getItem(name), key);
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

/**
 * A window's page loaded once from its launch link (a link opens one page, once), from which each
 * case opens a fresh tab of its own: a case never sees what an earlier case did to a page (theme,
 * focus, opened details, language), so it can run alone with `vitest run -t`. Cheaper than a new
 * launch link per case: the window and its token stay; only the page is new.
 */
export class WindowTabs {
  private readonly opened: Page[] = [];
  readonly home: Page;

  constructor(home: Page) {
    this.home = home;
  }

  /** A fresh tab of the window (with `query` added), closed by `closeTabs`. */
  async open(query: Record<string, string> = {}): Promise<Page> {
    // A tab inherits the home's sessionStorage as it is when opened: wait until the home has traded
    // its launch link for the window's token (after its load event), or the tab has none.
    const windowId = new URL(this.home.url()).pathname.split('/')[1] ?? '';
    await this.home.waitForFunction((key) => sessionStorage.getItem(key) !== null, tokenStorageKey(windowId));
    const tab = await openTabOf(this.home, query);
    this.opened.push(tab);
    return tab;
  }

  /** Closes every tab `open` gave out (call it in afterEach). */
  async closeTabs(): Promise<void> {
    await Promise.all(this.opened.splice(0).map((tab) => tab.close()));
  }
}

/** Loads `url` (a window's launch link) in a new context of `browser`, as the home of per-case tabs. */
export async function windowTabs(browser: Browser, url: string, options: BrowserContextOptions = {}): Promise<WindowTabs> {
  const home = await (await browser.newContext({ colorScheme: 'light', ...options })).newPage();
  await home.goto(url);
  return new WindowTabs(home);
}
