import { networkInterfaces } from 'node:os';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PolicyExplain } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, makeSandbox, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { launchChromium, saveScreenshot, seriousAxeViolations } from '../support/browser.ts';
import { appPolicy, writePolicyDir } from '../support/policyFixtures.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { startWebShell, windowsFromNow, type WebShellProcess } from '../support/webShellProcess.ts';
import { WindowTabs } from '../support/webShellLaunch.ts';
import { tokenStorageKey } from '../../shared/bridge/src/common/webShellLaunch.ts';
import { ELEVATE, runCli } from '../support/runAsCli.ts';

const IP = '/usr/sbin/ip';
const DENIED = 'Network changes on virtual links need IT.';

/** Calls the window's own bridge service the way its page does (same origin, same token). */
function callBridge(page: Page, member: string, args: unknown[]): Promise<unknown> {
  return page.evaluate(
    ({ member, args, key }) =>
      new Promise((resolve, reject) => {
        const token = sessionStorage.getItem(key);
        const socket = new WebSocket(`${location.origin.replace('http', 'ws')}/bridge`, ['keeper.bridge', `keeper.token.${token}`]);
        socket.onopen = () => socket.send(JSON.stringify({ t: 'call', id: 1, channel: 'keeper.networkConnections', member, args }));
        socket.onmessage = (event) => {
          const message = JSON.parse(event.data as string) as { t: string; value?: unknown; error?: unknown };
          socket.close();
          resolve(message.t === 'result' ? message.value : { failure: message.error });
        };
        socket.onerror = () => reject(new Error('bridge refused'));
      }),
    { member, args, key: tokenStorageKey('keeper-network-connections') },
  );
}

describe('Keeper.NetworkConnections in Chromium through the web shell, against a real agent', () => {
  const sandbox = makeSandbox();
  const policies = join(sandbox.dir, 'policies');
  let agent: AgentProcess;
  let shell: WebShellProcess;
  let requester: AgentClient;
  let browser: Browser;
  let context: BrowserContext;
  let tabs: WindowTabs;
  /** This case's own tab of the window (each case starts from a freshly loaded page). */
  let page: Page;
  let tray: Page;

  beforeAll(async () => {
    // `ip` on the ifb* links is denied with the policy's message; `ip link set dev lo up` (harmless:
    // lo is up) needs a justification. Nothing here ever takes a real interface down.
    writePolicyDir(policies, { 'col-ip': IP }, [
      appPolicy('pol-ip-deny', 'col-ip', ['DENY'], {
        PolicyName: 'No changes to virtual links',
        NotificationMessage: DENIED,
        Extension: { AllowCommands: ['*ip link set dev ifb*'] },
      }),
      appPolicy('pol-ip-lo', 'col-ip', ['JUSTIFY'], { PolicyName: 'Loopback changes need a reason', Extension: { AllowCommands: ['*ip link set dev lo up'] } }),
    ]);
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--policies', policies] });
    shell = await startWebShell(sandbox.socket, process.env, { args: ['--user-data-dir', join(sandbox.dir, 'user-data')] });
    requester = await connectClient(sandbox.socket);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 640, height: 900 }, colorScheme: 'light' });
    tray = await context.newPage();
    await tray.goto(await shell.windowUrl('keeper-client'));
    await tray
      .getByTestId('tray-indicator')
      .filter({ hasText: /^Connected$/ })
      .waitFor();
    // The tray's "Open network settings" is how a user gets here (and where a redirect rule sends them).
    const next = windowsFromNow(shell);
    await tray.locator('[data-item="open-network-settings"]').click();
    const home = await context.newPage();
    await home.goto(await next('keeper-network-connections'));
    tabs = new WindowTabs(home);
  });

  beforeEach(async () => {
    page = await tabs.open();
  });

  afterEach(() => tabs.closeTabs());

  afterAll(async () => {
    requester?.close();
    await browser?.close();
    await shell?.stop();
    await agent?.stop();
    sandbox.cleanup();
  });

  it('lists this machine’s real interfaces with their addresses', async () => {
    await eventually(() => page.locator('[data-interface]').count()).toBeGreaterThan(0);
    const shown = await page.locator('[data-interface]').evaluateAll((items) => items.map((item) => item.getAttribute('data-interface')));
    expect(shown).toEqual(expect.arrayContaining([...Object.keys(networkInterfaces()), ...readdirSync('/sys/class/net')]));
    for (const [name, infos] of Object.entries(networkInterfaces())) {
      const text = await page.locator(`[data-interface="${name}"]`).textContent();
      for (const info of infos ?? []) if (info.family === 'IPv4') expect(text, name).toContain(`${info.address}/${info.cidr!.split('/')[1]}`);
    }
    expect(await page.locator('[data-interface="lo"]').textContent()).toContain('Loopback');
    expect(await page.title()).toBe('Network connections');
  });

  it('says plainly that NetworkManager is missing, and passes axe in light, dark and high contrast', async () => {
    await eventually(() => page.getByTestId('nm-unavailable').count()).toBe(1);
    expect(await page.getByTestId('nm-unavailable').textContent()).toContain('NetworkManager not available: Wi-Fi networks cannot be listed.');
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      expect(await seriousAxeViolations(page), scheme).toEqual([]);
      await saveScreenshot(page, `keeper-network-connections-${scheme}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('combobox', { name: 'Theme', exact: true }).selectOption('high-contrast');
    expect(await page.evaluate(() => document.documentElement.dataset['theme'])).toBe('high-contrast');
    expect(await seriousAxeViolations(page), 'high contrast').toEqual([]);
    await page.getByRole('combobox', { name: 'Theme', exact: true }).selectOption('system');
  });

  it('asks the agent before changing an interface: a DENY shows the policy’s message and changes nothing', async () => {
    const target = readdirSync('/sys/class/net').find(
      (name) => name.startsWith('ifb') && (Number.parseInt(readFileSync(`/sys/class/net/${name}/flags`, 'utf8'), 16) & 1) === 0,
    );
    expect(target, 'a down ifb link to try').toBeDefined();
    const explained = await requester.request(PolicyExplain, { executable: IP, arguments: ['link', 'set', 'dev', target!, 'up'], cwd: '/' });
    expect(explained.decision.outcome).toBe('deny');

    const button = page.locator(`[data-interface="${target}"] button`);
    await eventually(() => button.textContent()).toBe('Enable');
    await button.focus();
    await page.keyboard.press('Enter');
    await eventually(() => page.getByTestId('action-result').locator('[data-outcome]').getAttribute('data-outcome')).toBe('denied');
    expect(await page.getByTestId('action-result').textContent()).toBe(
      `Enabling ${target} was denied by policy:Policy “No changes to virtual links”: ${DENIED}`,
    );
    expect(await page.getByTestId('action-result').locator('[data-reason]').getAttribute('data-reason')).toBe('policy-deny-message');
    expect(Number.parseInt(readFileSync(`/sys/class/net/${target}/flags`, 'utf8'), 16) & 1).toBe(0);
    await saveScreenshot(page, 'keeper-network-connections-denied');
  });

  it('runs an allowed change through the justification prompt and the agent', async () => {
    const next = windowsFromNow(shell);
    const result = callBridge(page, 'setInterfaceState', ['lo', 'up']);
    const justification = await context.newPage();
    await justification.goto(await next('keeper-justification'));
    await eventually(() => justification.getByRole('textbox').count()).toBe(1);
    expect(await justification.locator('main').textContent()).toContain('ip link set dev lo up');
    await justification.getByRole('textbox').fill('Re-applying the loopback link after a test');
    await justification.getByRole('button', { name: 'Send justification' }).click();
    expect(await result).toMatchObject({ outcome: 'done' });
    expect(Number.parseInt(readFileSync('/sys/class/net/lo/flags', 'utf8'), 16) & 1).toBe(1);
    await justification.close();
  });

  it('refuses malformed requests at the bridge, before the agent is asked', async () => {
    expect(await callBridge(page, 'setInterfaceState', ['lo; reboot', 'up'])).toMatchObject({ failure: { code: 'invalid-arguments' } });
    expect(await callBridge(page, 'forgetNetwork', ['not-a-uuid'])).toMatchObject({ failure: { code: 'invalid-arguments' } });
    expect(await callBridge(page, 'setInterfaceState', ['kptnone0', 'up'])).toEqual({
      outcome: 'failed',
      requestId: null,
      problem: { code: 'no-interface', values: { name: 'kptnone0' } },
    });
  });

  it('words what main reports in the window’s language, not in main’s English', async () => {
    await eventually(() => page.getByTestId('nm-unavailable').count()).toBe(1);
    expect(await page.getByTestId('nm-unavailable').textContent()).toBe(
      'NetworkManager not available: Wi-Fi networks cannot be listed.NetworkManager’s nmcli is not installed.',
    );
    const german = await tabs.open({ lng: 'de' });
    await eventually(() => german.getByTestId('nm-unavailable').locator('p').allTextContents()).toEqual([
      'NetworkManager nicht verfügbar: WLAN-Netzwerke können nicht aufgelistet werden.',
      'nmcli von NetworkManager ist nicht installiert.',
    ]);
  });

  it('opened by a redirect of the network editor, says why it opened instead, and the tray opening it again clears that', async () => {
    // The LaunchPrivilegeElevation job's rule `*/nm-connection-editor` → this window, `--source {Executable}`.
    const editor = join(sandbox.dir, 'bin', 'nm-connection-editor');
    mkdirSync(join(sandbox.dir, 'bin'), { recursive: true });
    writeFileSync(editor, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const next = windowsFromNow(shell);
    const cli = await runCli(ELEVATE, sandbox.socket, [editor]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr + cli.stdout).toContain(`${editor} is not elevated: it opens keeper-network-connections instead.`);

    const notice = 'Opened instead of nm-connection-editor, which needs administrator rights: change network settings here under policy.';
    // The page already shown learns it live; a page loaded from the shell's announcement reads it at start.
    await eventually(() => page.getByTestId('redirect-notice').locator('p').first().textContent()).toBe(notice);
    const redirected = await context.newPage();
    await redirected.goto(await next('keeper-network-connections'));
    await eventually(() => redirected.getByTestId('redirect-notice').locator('p').allTextContents()).toEqual([notice, `Requested program: ${editor}`]);
    expect(await redirected.getByTestId('redirect-source').getAttribute('data-raw')).not.toBeNull();
    await eventually(() => redirected.locator('[data-interface]').count()).toBeGreaterThan(0);
    for (const scheme of ['dark', 'light'] as const) {
      await redirected.emulateMedia({ colorScheme: scheme });
      expect(await seriousAxeViolations(redirected), scheme).toEqual([]);
      await saveScreenshot(redirected, `network-connections-redirected-${scheme}`);
    }

    // The tray page opened before the cases (its launch link opened it once).
    await eventually(() => tray.getByTestId('tray-indicator').textContent()).not.toMatch(/^(Connecting|Disconnected)/);
    await tray.locator('[data-item="open-network-settings"]').click();
    await eventually(() => redirected.getByTestId('redirect-notice').count()).toBe(0);
    await redirected.close();
  });
});
