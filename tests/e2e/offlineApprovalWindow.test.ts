import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusRequest, ElevationRequest, ElevationStatus } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { runCli } from '../../apps/fleet-server/src/cli/commands.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { pushPolicies } from '../../apps/fleet-server/src/services/policies.ts';
import { connectClient, makeSandbox, runAgent, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { auditBothThemes, launchChromium } from '../support/browser.ts';
import { rootDesktopFixture } from '../support/desktopSessions.ts';
import { appPolicy, shippedJobs } from '../support/policyFixtures.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { startWebShell, withQuery, type WebShellProcess } from '../support/webShellProcess.ts';
import { createFleetFixture, until, type FleetFixture } from '../fleet/support/fleetHarness.ts';
import { startOfflineRequester } from '../fleet/support/offlineRequester.ts';

/**
 * The pending window's offline approval in Chromium through the web shell: machine-a is registered
 * with a real fleet server and runs --offline; root (the web shell's desktop) asks for /usr/bin/true,
 * reads the challenge off the window, keeper-bob's response comes from `keeper-fleet approve-offline`,
 * and root types it in by keyboard alone.
 */
describe('Approval pending: an offline approval by challenge and response, in Chromium', () => {
  const desktops = rootDesktopFixture();
  const machine = makeSandbox();
  /** root's workstation, online: its approver window asks the fleet for responses. */
  const desk = makeSandbox();
  let deskAgent: AgentProcess;
  let deskShell: WebShellProcess;
  let fx: FleetFixture;
  let server: RunningFleetServer;
  let agent: AgentProcess;
  let shell: WebShellProcess;
  let browser: Browser;
  let context: BrowserContext;
  let requester: AgentClient;
  const presented = new Map<string, number>();

  const openWindow = async (window: string, query: Record<string, string> = {}): Promise<Page> => {
    const nth = (presented.get(window) ?? 0) + 1;
    presented.set(window, nth);
    const page = await context.newPage();
    await page.goto(withQuery(await shell.windowUrl(window, nth), query));
    return page;
  };

  const responseFor = async (challenge: string): Promise<string> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['approve-offline', '--machine', 'machine-a', '--challenge', challenge, '--as', 'keeper-bob'],
      (l) => out.push(l),
      (l) => err.push(l),
    );
    if (code !== 0) throw new Error(err.join('\n'));
    return out.join('').trim();
  };

  /** Asks for /usr/bin/true, answers the justification, and opens the pending window with its challenge. */
  const askOffline = async (query: Record<string, string> = {}) => {
    const { requestId } = await requester.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: '/' });
    const justify = await openWindow('keeper-justification');
    await justify.getByRole('textbox').fill('Fixing the VPN while the office network is down');
    await justify.keyboard.press('Control+Enter');
    const page = await openWindow('keeper-approval-pending', query);
    await page.getByTestId('offline-challenge').waitFor();
    await justify.close();
    return { requestId, page };
  };

  beforeAll(async () => {
    fx = await createFleetFixture();
    process.env.KEEPER_FLEET_DATABASE_URL = fx.databaseUrl;
    server = await fx.start();
    const jobs = shippedJobs();
    const policies = {
      'collections.json': { Collections: [{ CollectionId: 'col-true', Type: 'Application', Members: [{ Path: '/usr/bin/true' }] }] },
      'policies.json': [appPolicy('pol-true', 'col-true', ['APPROVAL'], { Extension: { OfflineApproval: true } })],
    };
    await pushPolicies(server.db, 'engineering', { policies, jobs });
    await fx.approver({ group: 'engineering', kind: 'user', principal: 'keeper-bob', role: 'approver' });
    await fx.approver({ group: 'engineering', kind: 'user', principal: 'root', role: 'approver' });
    desktops.add({ user: 'keeper-alice' });
    chmodSync(machine.dir, 0o755);
    chmodSync(desk.dir, 0o755);
    const tokenFile = join(machine.dir, 'token');
    writeFileSync(tokenFile, await fx.token('engineering'), { mode: 0o600 });
    expect(await runAgent(['--fleet', server.url, '--register', `@${tokenFile}`, '--data-dir', machine.dataDir, '--machine-name', 'machine-a'])).toMatchObject({
      code: 0,
    });
    const start = (extra: string[]) =>
      startAgent({ socket: machine.socket, dataDir: machine.dataDir, logindDir: desktops.dir, extra: ['--fleet', server.url, ...extra] });
    agent = await start([]);
    await until(
      async () => {
        const client = await connectClient(machine.socket);
        const status = await client.request(AgentStatusRequest, undefined).finally(() => client.close());
        return status.policies.active === 1 ? true : undefined;
      },
      20_000,
      "the fleet's policies",
    );
    await agent.stop();
    agent = await start(['--offline']);
    shell = await startWebShell(machine.socket, process.env, { args: ['--user-data-dir', join(machine.dir, 'desktop')] });
    writeFileSync(tokenFile, await fx.token('desks'), { mode: 0o600 });
    expect(await runAgent(['--fleet', server.url, '--register', `@${tokenFile}`, '--data-dir', desk.dataDir, '--machine-name', 'roots-desk'])).toMatchObject({
      code: 0,
    });
    deskAgent = await startAgent({ socket: desk.socket, dataDir: desk.dataDir, logindDir: desktops.dir, extra: ['--fleet', server.url] });
    deskShell = await startWebShell(desk.socket, process.env, { args: ['--user-data-dir', join(desk.dir, 'desktop')] });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 560, height: 720 }, colorScheme: 'light' });
    requester = await connectClient(machine.socket);
  }, 90_000);

  afterAll(async () => {
    if (process.env.OFFLINE_DEBUG) console.log(agent?.output());
    requester?.close();
    await browser?.close();
    await shell?.stop();
    await deskShell?.stop();
    await agent?.stop();
    await deskAgent?.stop();
    desk.cleanup();
    delete process.env.KEEPER_FLEET_DATABASE_URL;
    await fx?.drop();
    machine.cleanup();
    desktops.cleanup();
  });

  it('shows the challenge; a wrong response says how many tries are left; the right one, typed by keyboard, lets the program run', async () => {
    const { requestId, page } = await askOffline();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Approval by phone');
    const challenge = (await page.getByTestId('offline-challenge').textContent())!;
    expect(challenge).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    expect(await page.getByTestId('offline-machine').textContent()).toBe('machine-a');
    expect(await page.getByTestId('offline-deadline').textContent()).toMatch(/^Valid for (29|30):\d\d$/);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('offline-status');
    expect(await auditBothThemes(page, 'keeper-approval-pending-offline')).toEqual([]);

    // Keyboard only: Tab to the name, Tab to the response, Enter submits.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('offline-approver');
    await page.keyboard.type('keeper-bob');
    await page.keyboard.press('Tab');
    await page.keyboard.type('00000-00000');
    await page.keyboard.press('Enter');
    await eventually(() => page.getByTestId('offline-problem').textContent()).toBe('That response does not match this challenge and approver.');
    await eventually(() => page.getByText(/tries left\.$/).textContent()).toBe('10 letters and digits; dashes, spaces and case do not matter. 2 tries left.');
    expect(await page.getByTestId('offline-response').inputValue()).toBe('');
    expect(await auditBothThemes(page, 'keeper-approval-pending-offline-wrong')).toEqual([]);

    const response = await responseFor(challenge);
    await page.getByTestId('offline-response').focus();
    // As heard over the phone: lower case, a space instead of the dash.
    await page.keyboard.type(response.toLowerCase().replace('-', ' '));
    await page.keyboard.press('Enter');
    await eventually(async () => (await requester.request(ElevationStatus, { requestId })).state).toBe('allowed');
    expect(await requester.request(ElevationStatus, { requestId })).toMatchObject({ passed: ['JUSTIFY', 'APPROVAL'] });
    await page.close();
  });

  it('speaks German with lng=de, and Cancel request (keyboard) ends the request', async () => {
    const { requestId, page } = await askOffline({ lng: 'de' });
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Genehmigung per Telefon');
    expect(await page.getByTestId('offline-submit').textContent()).toBe('Mit Antwort genehmigen');
    expect(await auditBothThemes(page, 'keeper-approval-pending-offline-de')).toEqual([]);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Anfrage abbrechen');
    await page.keyboard.press('Enter');
    await eventually(async () => (await requester.request(ElevationStatus, { requestId })).state).toBe('denied');
    await page.close();
  });

  it('the approver window\'s "Offline approval…" gets the response from the fleet, by keyboard; the requester\'s request runs', async () => {
    const requester = startOfflineRequester(machine.socket, 'keeper-alice', '/usr/bin/true', { cwd: '/tmp' });
    try {
      const { challenge } = await requester.prompt;
      const page = await context.newPage();
      await page.setViewportSize({ width: 1180, height: 800 });
      await page.goto(await deskShell.windowUrl('keeper-approver'));
      await page.getByTestId('offline-open').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('offline-dialog').waitFor();
      // The machine field has the focus; Tab to the challenge, Enter asks.
      await page.keyboard.type('machine-a');
      await page.keyboard.press('Tab');
      await page.keyboard.type(challenge);
      await page.keyboard.press('Enter');
      await eventually(() => page.getByTestId('offline-result-approver').textContent()).toBe('root');
      const response = (await page.getByTestId('offline-result-response').textContent())!;
      expect(response).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
      expect(await page.getByTestId('offline-result').textContent()).toContain('Read this back to the requester on machine-a:');
      expect(await auditBothThemes(page, 'keeper-approver-offline')).toEqual([]);
      // A machine it may not approve for: the fleet's refusal, worded.
      await page.getByTestId('offline-machine').fill('roots-desk');
      await page.getByTestId('offline-submit').focus();
      await page.keyboard.press('Enter');
      await eventually(() => page.getByTestId('offline-problem').textContent()).toMatch(
        /^You may not approve offline for this machine: root is not an approver of group desks/,
      );
      expect(await requester.respond('root', response)).toMatchObject({ accepted: true });
      expect(await requester.outcome).toMatchObject({ state: 'allowed', exitCode: 0 });
      await page.keyboard.press('Escape');
      await eventually(() => page.getByTestId('offline-dialog').count()).toBe(0);
      await page.close();
    } finally {
      requester.child.kill();
    }
  });
});
