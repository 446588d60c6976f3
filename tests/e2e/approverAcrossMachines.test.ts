import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { pushPolicies } from '../../apps/fleet-server/src/services/policies.ts';
import { makeSandbox, runAgent, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { launchChromium, saveScreenshot, seriousAxeViolations } from '../support/browser.ts';
import { rootDesktopFixture } from '../support/desktopSessions.ts';
import { appPolicy, shippedJobs } from '../support/policyFixtures.ts';
import { startRequester } from '../support/requesterProcess.ts';
import { startWebShell, type WebShellProcess } from '../support/webShellProcess.ts';
import { createFleetFixture, type FleetFixture } from '../fleet/support/fleetHarness.ts';

/**
 * keeper-alice asks on machine A (fleet instance 1); root, an approver of A's group, decides in the
 * approver queue of machine B's web shell (instance 2), relayed by B's agent. The program runs on A.
 */
describe('Approver queue on B decides a request from A, through the fleet, in Chromium', () => {
  const desktops = rootDesktopFixture();
  const machines = { a: makeSandbox(), b: makeSandbox() };
  let fx: FleetFixture;
  let s1: RunningFleetServer;
  let s2: RunningFleetServer;
  const agents: AgentProcess[] = [];
  let shell: WebShellProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    fx = await createFleetFixture();
    s1 = await fx.start();
    s2 = await fx.start();
    const jobs = shippedJobs();
    const policies = {
      'collections.json': { Collections: [{ CollectionId: 'col-true', Type: 'Application', Members: [{ Path: '/usr/bin/true' }] }] },
      'policies.json': [appPolicy('pol-true', 'col-true', ['APPROVAL'])],
    };
    await pushPolicies(s1.db, 'engineering', { policies, jobs });
    await pushPolicies(s1.db, 'approvers', { policies, jobs });
    await fx.approver({ group: 'engineering', kind: 'user', principal: 'root', role: 'approver' });
    desktops.add({ user: 'keeper-alice' });
    chmodSync(machines.a.dir, 0o755);
    for (const [m, url, group, name] of [
      [machines.a, s1.url, 'engineering', 'machine-a'],
      [machines.b, s2.url, 'approvers', 'machine-b'],
    ] as const) {
      const tokenFile = join(m.dir, 'token');
      writeFileSync(tokenFile, await fx.token(group), { mode: 0o600 });
      expect(await runAgent(['--fleet', url, '--register', `@${tokenFile}`, '--data-dir', m.dataDir, '--machine-name', name])).toMatchObject({ code: 0 });
      agents.push(await startAgent({ socket: m.socket, dataDir: m.dataDir, logindDir: desktops.dir, extra: ['--fleet', url] }));
    }
    shell = await startWebShell(machines.b.socket, process.env, { args: ['--user-data-dir', join(machines.b.dir, 'desktop')] });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1180, height: 800 }, colorScheme: 'light' })).newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
    for (const agent of agents) await agent.stop();
    await fx?.drop();
    for (const m of Object.values(machines)) m.cleanup();
    desktops.cleanup();
  });

  it("shows A's request with everything to decide; approved by keyboard, the program runs on A", async () => {
    await page.goto(await shell.windowUrl('keeper-approver'));
    await page.getByTestId('queue').waitFor();
    const requester = startRequester(machines.a.socket, 'keeper-alice', '/usr/bin/true', 'Patch Tuesday: updating the VPN client', { cwd: '/tmp' });
    await requester.requestId;
    // The queue was loaded before the request existed: it arrives live, from the fleet's hint.
    await page.getByTestId('queue-row').first().waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('queue-row').count()).toBe(1);
    await page.getByTestId('queue-row').first().click();
    expect(await page.getByTestId('detail-requester').textContent()).toMatch(/^keeper-alice \(uid \d+\)$/);
    expect(await page.getByTestId('detail-justification').textContent()).toBe('Patch Tuesday: updating the VPN client');
    expect(await page.getByTestId('detail-command').textContent()).toBe('/usr/bin/true');
    expect(await page.getByTestId('detail-cwd').textContent()).toBe('/tmp');
    expect(await page.getByTestId('detail').textContent()).toContain('machine-a');
    for (const theme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      expect(await seriousAxeViolations(page)).toEqual([]);
      await saveScreenshot(page, `approver-across-machines-${theme}`);
    }
    await page.getByTestId('queue').focus();
    await page.keyboard.press('a');
    await page.getByTestId('confirm').waitFor();
    await page.getByTestId('confirm-button').focus();
    await page.keyboard.press('Enter');
    expect(await requester.outcome).toEqual({ state: 'allowed', reason: 'Every control passed.' });
    await expect.poll(() => page.getByTestId('outcome').textContent()).toBe('Decided 1 request.');
  });
});
