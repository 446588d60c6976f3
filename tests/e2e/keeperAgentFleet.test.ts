import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pushPolicies } from '../../apps/fleet-server/src/services/policies.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { makeSandbox, runAgent, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { launchChromium, saveScreenshot, seriousAxeViolations } from '../support/browser.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { startWebShell, type WebShellProcess } from '../support/webShellProcess.ts';
import { windowTabs, type WindowTabs } from '../support/webShellLaunch.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { createFleetFixture, type FleetFixture } from '../fleet/support/fleetHarness.ts';

/** The KeeperAgent window of an agent that works with a fleet: server, group, policy version, last sync. */
describe('KeeperAgent window with a fleet, in Chromium through the web shell', () => {
  const sandbox = makeSandbox();
  let fx: FleetFixture;
  let server: RunningFleetServer;
  let agent: AgentProcess;
  let shell: WebShellProcess;
  let browser: Browser;
  let tabs: WindowTabs;

  beforeAll(async () => {
    fx = await createFleetFixture();
    server = await fx.start();
    await pushPolicies(server.db, 'pilot', {
      policies: {
        'collections.json': { Collections: [{ CollectionId: 'col-id', Type: 'Application', Members: [{ Path: '/usr/bin/id' }] }] },
        'policies.json': [appPolicy('allow-id', 'col-id', ['ALLOW'])],
      },
      jobs: {},
    });
    const tokenFile = join(sandbox.dir, 'token');
    writeFileSync(tokenFile, await fx.token('pilot'), { mode: 0o600 });
    expect(await runAgent(['--fleet', server.url, '--register', `@${tokenFile}`, '--data-dir', sandbox.dataDir, '--machine-name', 'desk-1'])).toMatchObject({
      code: 0,
    });
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--fleet', server.url] });
    shell = await startWebShell(sandbox.socket);
    browser = await launchChromium();
    tabs = await windowTabs(browser, shell.agentWindowUrl, { viewport: { width: 560, height: 900 } });
  }, 60_000);

  afterEach(() => tabs.closeTabs());

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
    await agent?.stop();
    await fx?.drop();
    sandbox.cleanup();
  });

  it('shows the fleet server, the group, the policy version and the last sync; axe-clean in light and dark', async () => {
    const page = await tabs.open();
    await eventually(() => page.getByTestId('fleet-policy-version').textContent()).toBe('Version 1');
    expect(await page.getByTestId('fleet-url').textContent()).toBe(server.url);
    expect(await page.getByTestId('fleet-group').textContent()).toBe('pilot');
    expect(await page.getByTestId('fleet-state').textContent()).toBe('Reachable');
    expect(await page.getByTestId('backend-state').textContent()).toBe('Online');
    expect(await page.getByTestId('fleet-last-sync').locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The window scrolls (as KeeperAgent always does): axe in both themes, the fleet facts on screen.
    await page.getByTestId('fleet-url').scrollIntoViewIfNeeded();
    for (const theme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      expect(await seriousAxeViolations(page)).toEqual([]);
      await saveScreenshot(page, `keeper-agent-fleet-${theme}`);
    }
  });

  // Last: it stops the fleet server.
  it('says the fleet is unreachable, and the agent offline, when the server goes away', async () => {
    const page = await tabs.open();
    await eventually(() => page.getByTestId('fleet-state').textContent()).toBe('Reachable');
    await server.close();
    await expect.poll(() => page.getByTestId('fleet-state').textContent(), { timeout: 20_000 }).toBe('Unreachable');
    // The window learns the agent's offline state from its next status report, not with the fleet state.
    await eventually(() => page.getByTestId('backend-state').textContent()).toBe('Offline');
    // The last good set stays in effect.
    expect(await page.getByTestId('fleet-policy-version').textContent()).toBe('Version 1');
  });
});
