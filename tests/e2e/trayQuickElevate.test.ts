import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { launchChromium, saveScreenshot, seriousAxeViolations } from '../support/browser.ts';
import { appPolicy, writePolicyDir } from '../support/policyFixtures.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { recordingNotifySend, type RecordingNotifySend } from '../support/recordingNotifySend.ts';
import { startWebShell, windowsFromNow, type WebShellProcess } from '../support/webShellProcess.ts';
import { openTabOf, WindowTabs } from '../support/webShellLaunch.ts';

/** Light and dark, each passing axe; saves `<name>-light.png` and `<name>-dark.png`. */
async function auditThemes(page: Page, name: string): Promise<string[]> {
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    found.push(...(await seriousAxeViolations(page)).map((v) => `${scheme}: ${v}`));
    await saveScreenshot(page, `${name}-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

describe('KeeperClient tray and quick-elevate in Chromium through the web shell, against a real agent', () => {
  const sandbox = makeSandbox();
  const policies = join(sandbox.dir, 'policies');
  const writePolicies = (extra: { whoami?: boolean } = {}) =>
    writePolicyDir(policies, { 'col-id': '/usr/bin/id', 'col-sleep': '/usr/bin/sleep', ...(extra.whoami ? { 'col-who': '/usr/bin/whoami' } : {}) }, [
      appPolicy('pol-id', 'col-id', ['JUSTIFY'], { PolicyName: 'Identity checks need a reason' }),
      appPolicy('pol-sleep', 'col-sleep', ['ALLOW']),
      ...(extra.whoami ? [appPolicy('pol-who', 'col-who', ['ALLOW'])] : []),
    ]);
  const userData = join(sandbox.dir, 'user-data');
  const appsHome = join(sandbox.dir, 'share');
  let notifySend: RecordingNotifySend;
  let agent: AgentProcess;
  let shell: WebShellProcess;
  let browser: Browser;
  let context: BrowserContext;
  let trayTabs: WindowTabs;
  /** This case's own tab of the tray window (each case starts from a freshly loaded page). */
  let tray: Page;
  /** Quick-elevate pages this case opened, closed after it. */
  const quickPages: Page[] = [];

  beforeAll(async () => {
    // `id` needs a justification, `sleep` (a program that keeps running) is allowed; no installed application but Identity is named.
    writePolicies();
    // Installed applications as the desktop finds them: one a policy names, one it does not.
    mkdirSync(join(appsHome, 'applications'), { recursive: true });
    writeFileSync(join(appsHome, 'applications/identity.desktop'), '[Desktop Entry]\nType=Application\nName=Identity\nExec=id -u\n');
    writeFileSync(join(appsHome, 'applications/whoami.desktop'), '[Desktop Entry]\nType=Application\nName=Who am I\nExec=whoami\n');
    notifySend = recordingNotifySend();
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--policies', policies] });
    shell = await startWebShell(
      sandbox.socket,
      { ...process.env, PATH: notifySend.path, XDG_DATA_DIRS: appsHome, XDG_DATA_HOME: join(sandbox.dir, 'no-home-apps') },
      { args: ['--health-interval-ms', '500', '--user-data-dir', userData] },
    );
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 420, height: 640 }, colorScheme: 'light' });
    const home = await context.newPage();
    await home.goto(await shell.windowUrl('keeper-client'));
    trayTabs = new WindowTabs(home);
  });

  beforeEach(async () => {
    tray = await trayTabs.open();
    await eventually(() => tray.getByTestId('tray-indicator').textContent()).toBe('Connected');
  });

  afterEach(async () => {
    await Promise.all(quickPages.splice(0).map((page) => page.close()));
    await trayTabs.closeTabs();
  });

  /** Presents quick-elevate from the tray's menu (`press` opens it by keyboard) and loads it. */
  async function openQuick(press?: () => Promise<void>): Promise<Page> {
    const next = windowsFromNow(shell);
    await (press ? press() : tray.locator('[data-item="quick-elevate"]').click());
    const quick = await context.newPage();
    quickPages.push(quick);
    await quick.setViewportSize({ width: 560, height: 760 });
    await quick.goto(await next('keeper-quick-elevate'));
    return quick;
  }

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
    await agent?.stop();
    notifySend?.cleanup();
    sandbox.cleanup();
  });

  it('shows the tray: connected, its menu, and the health check', async () => {
    await eventually(() => tray.getByTestId('tray-indicator').textContent()).toBe('Connected');
    expect(await tray.getByTestId('tray-header').textContent()).toBe('Keeper agent connected');
    expect(await tray.locator('[data-item]').allTextContents()).toEqual([
      'Quick elevate…',
      'Pending requests (0)',
      'Open network settings',
      'Open approval queue',
      'Open KeeperAgent',
      'About Keeper',
      'Quit Keeper',
    ]);
    await eventually(() => tray.getByTestId('health').textContent()).toMatch(/^Health check passed at /);
    expect(await tray.title()).toBe('Keeper');
    await tray.locator('[data-item="about"]').click();
    expect(await tray.getByTestId('about').textContent()).toContain('Desktop suite');
    expect(await auditThemes(tray, 'keeper-client')).toEqual([]);
    await tray.locator('[data-item="about"]').click();
  });

  it('speaks German when launched with lng=de, in the menu and its header', async () => {
    const german = await trayTabs.open({ lng: 'de' });
    await eventually(() => german.getByTestId('tray-header').textContent()).toBe('Keeper-Agent verbunden');
    expect(await german.locator('[data-item]').first().textContent()).toBe('Schnell erhöhen…');
  });

  it('opens quick-elevate from the menu with the keyboard alone', async () => {
    const quick = await openQuick(async () => {
      await tray.locator('body').focus();
      for (let i = 0; i < 10 && (await tray.evaluate(() => document.activeElement?.getAttribute('data-item'))) !== 'quick-elevate'; i++)
        await tray.keyboard.press('Tab');
      await tray.keyboard.press('Enter');
      await eventually(() => tray.getByTestId('opened').textContent()).toBe('Opened Quick elevate.');
    });
    await eventually(() => quick.getByTestId('recent-empty').count()).toBe(1);
  });

  it('lists installed applications a policy names, and no others', async () => {
    const quick = await openQuick();
    await eventually(() => quick.getByTestId('allowed').locator('li').allTextContents()).toEqual(['Identity id -uChoose']);
  });

  it('shows which controls will be asked before asking, and says clearly what it cannot run', async () => {
    const quick = await openQuick();
    await eventually(() => quick.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('command');
    await quick.keyboard.type('no-such-program-kpt');
    await quick.keyboard.press('Enter');
    await eventually(() => quick.getByTestId('preview').textContent()).toBe('Not found on PATH: no-such-program-kpt');
    const german = await openTabOf(quick, { lng: 'de' });
    await german.getByTestId('command').fill('no-such-program-kpt');
    await german.getByTestId('check').click();
    await eventually(() => german.getByTestId('preview').textContent()).toBe('Nicht im PATH gefunden: no-such-program-kpt');
    await german.close();
    await quick.getByTestId('command').fill('');
    await quick.getByTestId('command').focus();
    await quick.keyboard.type('id -u');
    await quick.keyboard.press('Enter');
    await eventually(() => quick.getByTestId('controls').locator('li').allTextContents()).toEqual(['Justification']);
    expect(await quick.getByTestId('preview').textContent()).toContain('Identity checks need a reason');
    expect(await quick.getByTestId('submit').isDisabled()).toBe(false);
    expect(await auditThemes(quick, 'keeper-quick-elevate')).toEqual([]);
  });

  it('submits, follows the justification prompt to the end, reports the result in a toast, and remembers the application as recent, in the user’s own data folder', async () => {
    const quick = await openQuick();
    await eventually(() => quick.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('command');
    await quick.keyboard.type('id -u');
    await quick.keyboard.press('Enter');
    await eventually(() => quick.getByTestId('controls').locator('li').allTextContents()).toEqual(['Justification']);
    const next = windowsFromNow(shell);
    await quick.getByTestId('submit').click();
    const row = quick.getByTestId('progress').locator('li').first();
    await eventually(() => row.getByTestId('phase-detail').textContent()).toBe('Waiting for: Justification');
    // The tray counts the prompt waiting for this user.
    await eventually(() => tray.getByTestId('tray-indicator').textContent()).toBe('Attention needed');
    await saveScreenshot(tray, 'keeper-client-attention');

    const justification = await context.newPage();
    await justification.setViewportSize({ width: 560, height: 640 });
    await justification.goto(await next('keeper-justification'));
    await eventually(() => justification.getByRole('textbox').count()).toBe(1);
    await justification.getByRole('textbox').fill('Checking which uid the elevated shell gets');
    await justification.getByRole('button', { name: 'Send justification' }).click();

    await eventually(() => row.getAttribute('data-phase')).toBe('exited');
    expect(await row.getByTestId('phase-detail').textContent()).toBe('Finished with exit code 0');
    expect(await row.locator('pre').textContent()).toBe('0');
    expect(await row.textContent()).toContain('Passed: Justification');
    await saveScreenshot(quick, 'keeper-quick-elevate-done');
    await eventually(() => tray.getByTestId('tray-indicator').textContent()).toBe('Connected');
    await eventually(() => notifySend.calls().some((args) => args.includes('Elevated command finished') && args.includes('id -u finished successfully.'))).toBe(
      true,
    );
    await justification.close();

    await eventually(() => quick.getByTestId('recent').locator('li').allTextContents()).toEqual(['id id -uChoose']);
    const file = join(userData, 'quick-elevate-recent.json');
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      version: 1,
      recent: [{ executable: '/usr/bin/id', arguments: ['-u'], commandLine: 'id -u' }],
    });
  });

  it('updates the open window’s allowed list by itself after the agent reloads its policies', async () => {
    const quick = await openQuick();
    await eventually(() => quick.getByTestId('allowed').locator('li').count()).toBeGreaterThan(0);
    writePolicies({ whoami: true });
    await expect
      .poll(() => quick.getByTestId('allowed').locator('li').allTextContents(), { timeout: 15_000 })
      .toEqual(['Identity id -uChoose', 'Who am I whoamiChoose']);
  });

  it('leaves a program it started running when the quick-elevate window closes: the agent connection is main’s', async () => {
    const quick = await openQuick();
    await quick.getByTestId('command').fill('sleep 300');
    await quick.getByTestId('check').click();
    await eventually(() => quick.getByTestId('preview').locator('[data-outcome]').getAttribute('data-outcome')).toBe('allow');
    await quick.getByTestId('submit').click();
    const row = quick.locator('[data-phase]', { hasText: 'sleep 300' });
    await eventually(() => row.getAttribute('data-phase')).toBe('running');
    const pid = Number(/pid (\d+)/.exec((await row.getByTestId('phase-detail').textContent()) ?? '')?.[1]);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toEqual(['/usr/bin/sleep', '300', '']);
    await quick.close();
    // Had the window's going closed the agent connection, the agent would have hung the program up
    // (SIGHUP) before serving the window reopened below: the program ends by our SIGTERM, not by that.
    expect(existsSync(`/proc/${pid}`)).toBe(true);
    expect(await tray.getByTestId('tray-indicator').textContent()).toBe('Connected');
    // Quitting the suite would end it (the agent hangs up its programs), and the tray says so.
    expect(await tray.locator('[data-item="quit"]').textContent()).toBe('Quit Keeper (ends 1 running program)');
    // Its launch link opened a page once: the tray's menu presents the window again, with a new link.
    const reopened = await openQuick();
    const again = reopened.locator('[data-phase]', { hasText: 'sleep 300' });
    await eventually(() => again.getAttribute('data-phase')).toBe('running');
    process.kill(pid, 'SIGTERM');
    await eventually(() => again.getByTestId('phase-detail').textContent()).toBe('Stopped by signal SIGTERM');
    await eventually(() => tray.locator('[data-item="quit"]').textContent()).toBe('Quit Keeper');
  });

  it('shows a hung agent as gone: its socket stays open, but the health check gets no answer', async () => {
    agent.child.kill('SIGSTOP');
    try {
      await eventually(() => tray.getByTestId('tray-indicator').textContent()).toBe('Agent gone');
      expect(await tray.getByTestId('health').textContent()).toMatch(/^Health check failed at .*: the agent did not answer$/);
    } finally {
      agent.child.kill('SIGCONT');
    }
    await eventually(() => tray.getByTestId('tray-indicator').textContent()).toBe('Connected');
  });

  it('shows the agent as gone within the health interval when it is killed, and back when it returns', async () => {
    await agent.kill();
    await eventually(() => tray.getByTestId('tray-indicator').textContent()).toBe('Agent gone');
    expect(await tray.getByTestId('tray-header').textContent()).toBe('Keeper agent not reachable');
    expect(await tray.locator('[data-item="quick-elevate"]').isDisabled()).toBe(true);
    expect(await tray.evaluate(() => document.querySelector('[data-testid="tray"]')?.getAttribute('data-indicator'))).toBe('offline');
    await saveScreenshot(tray, 'keeper-client-offline');

    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--policies', policies] });
    await eventually(() => tray.getByTestId('tray-indicator').textContent()).toBe('Connected');
    await eventually(() => tray.getByTestId('health').textContent()).toMatch(/^Health check passed at /);
  });
});
