import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusRequest } from '../../shared/protocol/src/common/index.ts';
import { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, makeSandbox, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { launchChromium, saveScreenshot, seriousAxeViolations } from '../support/browser.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { startWebShell, type WebShellProcess } from '../support/webShellProcess.ts';

const answers = async (socket: string) => {
  try {
    (await AgentClient.connect(socket, 1_000)).close();
    return true;
  } catch {
    return false;
  }
};

/** Chooses "Quit Keeper" in the tray page and waits for the launcher to end. */
async function quitFromTray(page: Page, shell: WebShellProcess): Promise<number | null> {
  await eventually(() => page.getByTestId('tray-indicator').textContent()).toBe('Connected');
  const exited = new Promise<number | null>((resolve) => shell.child.once('exit', resolve));
  await page.locator('[data-item="quit"]').click();
  return exited;
}

describe('"Quit Keeper" in the tray (web shell): the suite ends, and takes only its own agent along', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('leaves an agent it did not start running', async () => {
    const sandbox = makeSandbox();
    let agent: AgentProcess | undefined;
    let shell: WebShellProcess | undefined;
    try {
      agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir });
      shell = await startWebShell(sandbox.socket);
      const page = await (await browser.newContext({ viewport: { width: 420, height: 360 } })).newPage();
      await page.goto(await shell.windowUrl('keeper-client'));
      expect(await quitFromTray(page, shell)).toBe(0);
      await eventually(() => page.getByTestId('quit-done').textContent()).toBe('Keeper has quit. You can close this page.');
      expect(await seriousAxeViolations(page)).toEqual([]);
      await saveScreenshot(page, 'keeper-client-quit');
      const client = await connectClient(sandbox.socket);
      expect((await client.request(AgentStatusRequest, undefined)).version).toBeTruthy();
      client.close();
    } finally {
      await shell?.stop();
      await agent?.stop();
      sandbox.cleanup();
    }
  });

  it('stops the agent it started itself', async () => {
    const sandbox = makeSandbox();
    let shell: WebShellProcess | undefined;
    try {
      expect(await answers(sandbox.socket)).toBe(false);
      shell = await startWebShell(sandbox.socket, process.env, { embeddedAgent: true, args: ['--data-dir', sandbox.dataDir] });
      expect(await answers(sandbox.socket)).toBe(true);
      const page = await (await browser.newContext()).newPage();
      await page.goto(await shell.windowUrl('keeper-client'));
      expect(await quitFromTray(page, shell)).toBe(0);
      await eventually(() => answers(sandbox.socket)).toBe(false);
    } finally {
      await shell?.stop();
      sandbox.cleanup();
    }
  });
});
