import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobsRun } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, makeSandbox, PROJECT_DIR, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { launchChromium, saveScreenshot, seriousAxeViolations } from '../support/browser.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { startWebShell, withQuery, type WebShellProcess } from '../support/webShellProcess.ts';

describe('KeeperAgent window: recent job runs, in Chromium through the web shell, against a real agent', () => {
  const sandbox = makeSandbox();
  const jobsDir = join(sandbox.dir, 'jobs');
  let agent: AgentProcess;
  let shell: WebShellProcess;
  let browser: Browser;
  let page: Page;
  let admin: AgentClient;

  beforeAll(async () => {
    mkdirSync(jobsDir);
    for (const name of readdirSync(join(PROJECT_DIR, 'resources/jobs')).filter((n) => n.endsWith('.json'))) copyFileSync(join(PROJECT_DIR, 'resources/jobs', name), join(jobsDir, name));
    writeFileSync(
      join(jobsDir, 'disk-check.json'),
      JSON.stringify({
        id: 'disk-check',
        name: 'Disk space check',
        tasks: [
          { id: 'measure', name: 'Measure free space', executablePath: '/bin/sh', arguments: `-c 'printf "{\\"FreePercent\\":3}"'`, MergeStdoutJsonIntoContext: true },
          { id: 'enforce', name: 'Require 10 % free', executablePath: '/bin/sh', arguments: "-c 'test {FreePercent} -ge 10'" },
        ],
      }),
    );
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--jobs', jobsDir] });
    admin = await connectClient(sandbox.socket, 'cli');
    shell = await startWebShell(sandbox.socket);
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 560, height: 760 }, colorScheme: 'light' })).newPage();
    await page.goto(shell.agentWindowUrl);
  });

  afterAll(async () => {
    admin?.close();
    await browser?.close();
    await shell?.stop();
    await agent?.stop();
    sandbox.cleanup();
  });

  it('lists the startup run, then a manual run live as it finishes, with its task outcomes', async () => {
    const runs = page.getByTestId('job-runs');
    await eventually(() => runs.locator('li[data-job-id="log-version-info"]').count()).toBe(1);
    await expect.poll(() => runs.locator('li[data-job-id="log-version-info"]').first().textContent()).toContain('Log version information');

    await admin.request(JobsRun, { jobId: 'disk-check' });
    const failed = runs.locator('li[data-job-id="disk-check"]');
    await eventually(() => failed.textContent()).toContain('Failed');
    expect(await failed.textContent()).toContain('task enforce failed: exited with code 1');

    // Keyboard only: Tab to the run's task list and open it with Enter.
    await page.locator('body').focus();
    const summary = failed.locator('summary');
    for (let i = 0; i < 80 && !(await summary.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    expect(await summary.evaluate((el) => el === document.activeElement)).toBe(true);
    const tasks = failed.getByTestId('job-run-tasks').locator('li');
    expect(await tasks.nth(0).isVisible()).toBe(false);
    await page.keyboard.press('Enter');
    await eventually(() => tasks.nth(0).isVisible()).toBe(true);
    expect(await tasks.count()).toBe(2);
    expect(await tasks.nth(0).textContent()).toContain('{"FreePercent":3}');
    expect(await tasks.nth(1).textContent()).toBe('Require 10 % free failedas the service · exited with code 1');

    await page.getByRole('heading', { name: 'Recent job runs' }).scrollIntoViewIfNeeded();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'keeper-agent-job-runs-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'keeper-agent-job-runs-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('is translated (German)', async () => {
    const german = await (await browser.newContext({ viewport: { width: 560, height: 760 } })).newPage();
    await german.goto(withQuery(shell.agentWindowUrl, { lng: 'de' }));
    await eventually(() => german.getByRole('heading', { name: 'Letzte Auftragsläufe' }).count()).toBe(1);
    await eventually(() => german.getByTestId('job-runs').locator('li[data-job-id="disk-check"]').textContent()).toContain('Fehlgeschlagen');
    await german.close();
  });
});
