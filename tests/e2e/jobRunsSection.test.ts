import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobsRun } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, makeSandbox, PROJECT_DIR, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { launchChromium, saveScreenshot, seriousAxeViolations } from '../support/browser.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { startWebShell, type WebShellProcess } from '../support/webShellProcess.ts';
import { windowTabs, type WindowTabs } from '../support/webShellLaunch.ts';

describe('KeeperAgent window: recent job runs, in Chromium through the web shell, against a real agent', () => {
  const sandbox = makeSandbox();
  const jobsDir = join(sandbox.dir, 'jobs');
  let agent: AgentProcess;
  let shell: WebShellProcess;
  let browser: Browser;
  let tabs: WindowTabs;
  let admin: AgentClient;

  beforeAll(async () => {
    mkdirSync(jobsDir);
    for (const name of readdirSync(join(PROJECT_DIR, 'resources/jobs')).filter((n) => n.endsWith('.json')))
      copyFileSync(join(PROJECT_DIR, 'resources/jobs', name), join(jobsDir, name));
    writeFileSync(
      join(jobsDir, 'disk-check.json'),
      JSON.stringify({
        id: 'disk-check',
        name: 'Disk space check',
        tasks: [
          {
            id: 'measure',
            name: 'Measure free space',
            executablePath: '/bin/sh',
            arguments: `-c 'printf "{\\"FreePercent\\":3}"'`,
            MergeStdoutJsonIntoContext: true,
          },
          { id: 'enforce', name: 'Require 10 % free', executablePath: '/bin/sh', arguments: "-c 'test {FreePercent} -ge 10'" },
        ],
      }),
    );
    writeFileSync(
      join(jobsDir, 'windows-only.json'),
      JSON.stringify({
        id: 'windows-only',
        name: 'Windows cleanup',
        condition: 'Platform in ["windows"]',
        tasks: [{ id: 'clean', name: 'Clean', executablePath: '/bin/true' }],
      }),
    );
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--jobs', jobsDir] });
    admin = await connectClient(sandbox.socket, 'cli');
    shell = await startWebShell(sandbox.socket);
    browser = await launchChromium();
    tabs = await windowTabs(browser, shell.agentWindowUrl, { viewport: { width: 560, height: 760 } });
  });

  afterEach(() => tabs.closeTabs());

  afterAll(async () => {
    admin?.close();
    await browser?.close();
    await shell?.stop();
    await agent?.stop();
    sandbox.cleanup();
  });

  it('lists the startup run, then a manual run live as it finishes, with its task outcomes', async () => {
    const page = await tabs.open();
    const runs = page.getByTestId('job-runs');
    await eventually(() => runs.locator('li[data-job-id="log-version-info"]').count()).toBe(1);
    await expect.poll(() => runs.locator('li[data-job-id="log-version-info"]').first().textContent()).toContain('Log version information');

    await admin.request(JobsRun, { jobId: 'disk-check' });
    const failed = runs.locator('li[data-job-id="disk-check"]');
    await eventually(() => failed.textContent()).toContain('Failed');
    expect(await failed.getByTestId('job-run-reason').textContent()).toBe('Task enforce failed: Ended with exit code 1.');
    expect(await failed.getByTestId('job-run-reason').getAttribute('data-reason')).toBe('task-failed');

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
    expect(await tasks.nth(1).textContent()).toBe('Require 10 % free failedas the service · Ended with exit code 1.');

    await page.getByRole('heading', { name: 'Recent job runs' }).scrollIntoViewIfNeeded();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'keeper-agent-job-runs-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    await saveScreenshot(page, 'keeper-agent-job-runs-dark');
  });

  it('is translated (German), reasons too; a condition stays as written, and a row of an older agent shows its English', async () => {
    await admin.request(JobsRun, { jobId: 'disk-check' });
    await admin.request(JobsRun, { jobId: 'windows-only' });
    // A row as an agent before reason codes kept it: English only.
    const db = new Database(join(sandbox.dataDir, 'agent.db'));
    db.pragma('busy_timeout = 5000');
    db.prepare(
      "INSERT INTO job_runs (id, job_id, trigger, status, reason, started_at, finished_at, duration_ms, tasks_json) VALUES ('old-run', 'disk-check', 'manual', 'failed', ?, ?, ?, 0, '[]')",
    ).run('task enforce failed: exited with code 2', new Date(Date.now() - 3_600_000).toISOString(), new Date(Date.now() - 3_600_000).toISOString());
    db.close();

    const german = await tabs.open({ lng: 'de' });
    await eventually(() => german.getByRole('heading', { name: 'Letzte Auftragsläufe' }).count()).toBe(1);
    const runs = german.getByTestId('job-runs');
    const failed = runs.locator('li[data-job-id="disk-check"]').first();
    await eventually(() => failed.textContent()).toContain('Fehlgeschlagen');
    expect(await failed.getByTestId('job-run-reason').textContent()).toBe('Aufgabe enforce ist fehlgeschlagen: Mit dem Exit-Code 1 beendet.');

    const skipped = runs.locator('li[data-job-id="windows-only"]');
    await eventually(() => skipped.count()).toBe(1);
    const reason = skipped.getByTestId('job-run-reason');
    expect(await reason.getAttribute('data-reason')).toBe('condition-false');
    expect(await reason.textContent()).toBe('Die Bedingung ist nicht erfüllt: Platform in ["windows"]');
    // The condition is the job file's own text: data, exempt from translation.
    expect(await reason.locator('code[data-raw]').textContent()).toBe('Platform in ["windows"]');

    // The row was written behind the agent's back, so no change notice told main: ask again.
    await german.getByTestId('job-runs-refresh').click();
    await eventually(() => runs.locator('li[data-run-id="old-run"]').count()).toBe(1);
    const old = runs.locator('li[data-run-id="old-run"]').getByTestId('job-run-reason');
    expect(await old.textContent()).toBe('task enforce failed: exited with code 2');
    expect(await old.locator('[data-raw]').count()).toBe(1);
    expect(await old.getAttribute('data-reason')).toBeNull();

    await skipped.scrollIntoViewIfNeeded();
    expect(await seriousAxeViolations(german)).toEqual([]);
    await saveScreenshot(german, 'de-keeper-agent-job-runs');
  });
});
