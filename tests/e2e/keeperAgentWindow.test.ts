import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentStatusRequest,
  ElevationRequest,
  MfaEnrollBegin,
  MfaEnrollConfirm,
  PromptRespond,
  PromptShowNotification,
  type DecisionSummary,
  type PromptShow,
} from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, makeSandbox, PROJECT_DIR, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { launchChromium, saveScreenshot, seriousAxeViolations } from '../support/browser.ts';
import { appPolicy, policy, settledState, writePolicyDir } from '../support/policyFixtures.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { startWebShell, withQuery, type WebShellProcess } from '../support/webShellProcess.ts';
import { windowTabs, type WindowTabs } from '../support/webShellLaunch.ts';
import { CONTENT_SECURITY_POLICY } from '../../apps/desktop/src/main/security/contentSecurityPolicy.ts';
import { codeAt } from '../support/totp.ts';
import { issueEnrollmentCode } from '../support/enrollmentCode.ts';
import { ELEVATE, runCli } from '../support/runAsCli.ts';
import { createI18n } from '../../shared/i18n/src/createI18n.ts';
import { shownReason } from '../../shared/i18n/src/reasonText.ts';
import { RESOURCES } from '../../shared/i18n/src/resources.ts';

const version = (JSON.parse(readFileSync(join(PROJECT_DIR, 'package.json'), 'utf8')) as { version: string }).version;

describe('KeeperAgent window in Chromium through the web shell, against a real agent', () => {
  const sandbox = makeSandbox();
  const policiesDir = join(sandbox.dir, 'policies');
  const configFile = join(sandbox.dir, 'agent.json');
  const start = () => startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--policies', policiesDir, '--config', configFile] });
  let agent: AgentProcess;
  let shell: WebShellProcess;
  let browser: Browser;
  let context: BrowserContext;
  let tabs: WindowTabs;
  /** This case's own tab of the window (each case starts from a freshly loaded page). */
  let page: Page;
  /** This user's other desktop session: it answers the prompts the requests below raise. */
  let client: AgentClient;
  let mfaSecret = '';
  /** Prompts the test answers itself, when it wants the request to stay pending a while. */
  const held: PromptShow[] = [];

  beforeAll(async () => {
    writePolicyDir(
      policiesDir,
      {
        'col-hostname': '/usr/bin/hostname',
        'col-id': '/usr/bin/id',
        'col-whoami': '/usr/bin/whoami',
        'col-true': '/usr/bin/true',
        'col-date': '/usr/bin/date',
        'col-env': '/usr/bin/env',
      },
      [
        appPolicy('allow-id', 'col-id', ['ALLOW'], { PolicyName: 'Identity tools' }),
        appPolicy('justify-hostname', 'col-hostname', ['JUSTIFY'], { PolicyName: 'Host names' }),
        appPolicy('deny-whoami', 'col-whoami', ['DENY'], { PolicyName: 'No whoami', NotificationMessage: 'whoami is not for administrators.' }),
        appPolicy('verify-true', 'col-true', ['JUSTIFY', 'MFA'], { PolicyName: 'Verify first' }),
        appPolicy('approve-date', 'col-date', ['JUSTIFY', 'APPROVAL'], { PolicyName: 'Clock changes' }),
        appPolicy('session-env', 'col-env', ['JUSTIFY'], { PolicyName: 'Environment session', Extension: { ElevatedSession: 30 } }),
        policy('watch-all', ['DENY'], { PolicyName: 'Watch everything', Status: 'monitor' }),
      ],
    );
    writeFileSync(configFile, JSON.stringify({}));
    agent = await start();
    await connectDesktop();
    const enrollment = await client.request(MfaEnrollBegin, { enrollmentCode: await issueEnrollmentCode(sandbox.dataDir, 'root') });
    mfaSecret = enrollment.secret;
    await client.request(MfaEnrollConfirm, { enrollmentId: enrollment.enrollmentId, code: await codeAt(mfaSecret, 0) });
    shell = await startWebShell(sandbox.socket);
    browser = await launchChromium();
    tabs = await windowTabs(browser, shell.agentWindowUrl, { viewport: { width: 560, height: 760 } });
    context = tabs.home.context();
  });

  beforeEach(async () => {
    page = await tabs.open();
  });

  afterEach(() => tabs.closeTabs());

  /** (Re)connects this user's other desktop session, which answers the prompts (holding hostname's). */
  async function connectDesktop() {
    client = await connectClient(sandbox.socket, 'desktop');
    client.onNotification(PromptShowNotification, (prompt) => {
      if (prompt.subject.executable === '/usr/bin/hostname') return void held.push(prompt);
      const response =
        prompt.kind === 'justification'
          ? Promise.resolve({ kind: 'justification' as const, text: 'Checking the machine state' })
          : prompt.kind === 'mfa'
            ? codeAt(mfaSecret, 30).then((code) => ({ kind: 'mfa' as const, code }))
            : null;
      void response?.then((r) => client.request(PromptRespond, { promptId: prompt.promptId, response: r }));
    });
  }

  /** Makes the request and waits for its decision to settle: what the history then shows. */
  async function settled(executable: string): Promise<string> {
    const { requestId } = await client.request(ElevationRequest, { executable, arguments: [], cwd: '/' });
    return (await settledState(client, requestId)).state;
  }

  afterAll(async () => {
    client?.close();
    await browser?.close();
    await shell?.stop();
    await agent?.stop();
    sandbox.cleanup();
  });

  it('shows the live status of the agent', async () => {
    await eventually(() => page.getByTestId('connection-state').textContent()).toBe('Connected');
    expect(await page.getByTestId('agent-version').textContent()).toBe(version);
    expect(await page.getByTestId('backend-state').textContent()).toBe('Online');
    const plugins = await page.getByTestId('plugins').locator('li').allTextContents();
    expect(plugins).toEqual(['Local storeHealthy', 'Desktop connectionHealthy', 'Health endpointHealthy', 'Policy engineHealthy', 'JobsHealthy']);
    expect(await page.getByTestId('policy-summary').textContent()).toBe('7 policies in effect, 6 collections, from 2 files');
    expect(await page.title()).toBe('Keeper Agent');
    const first = await page.getByTestId('agent-uptime').textContent();
    await expect.poll(() => page.getByTestId('agent-uptime').textContent(), { timeout: 3_000 }).not.toBe(first);
  });

  /** What the "why" view shows for a command line typed and submitted with the keyboard. */
  async function explainInWindow(line: string) {
    const input = page.getByTestId('why-input');
    await input.focus();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
    const result = page.getByTestId('why-result');
    await eventually(async () => (await result.getByTestId('why-outcome').count()) > 0 && (await result.locator('[data-policy-id]').count()) > 0).toBe(true);
    return {
      outcome: await result.getByTestId('why-outcome').textContent(),
      reason: await result.getByTestId('why-reason').textContent(),
      controls: await result.locator('[data-control]').evaluateAll((items) => items.map((i) => i.getAttribute('data-control'))),
      deciding: await page
        .getByTestId('why-matched')
        .locator('li[data-policy-id]')
        .filter({ hasText: 'Decides' })
        .evaluateAll((items) => items.map((i) => i.getAttribute('data-policy-id'))),
      matched: (
        await page
          .getByTestId('why-matched')
          .locator('li[data-policy-id]')
          .evaluateAll((items) => items.map((i) => i.getAttribute('data-policy-id')))
      ).sort(),
      monitored: await page.getByTestId('why-monitored').count(),
    };
  }

  const OUTCOME_LABEL: Record<DecisionSummary['outcome'], string> = { allow: 'Allowed', deny: 'Denied', controls: 'Allowed after controls' };
  const english = createI18n('en', 'agent', RESOURCES).t;

  it.each([
    ['allow', '/usr/bin/id -u', '/usr/bin/id', ['-u']],
    ['deny, with the policy’s message', '/usr/bin/whoami', '/usr/bin/whoami', []],
    ['justification and MFA, in precedence order', '/usr/bin/true', '/usr/bin/true', []],
    ['approval that carries the justification', "/usr/bin/date '+%Y %m'", '/usr/bin/date', ['+%Y %m']],
  ])('the "why" view matches the decision elevation.request really makes: %s', async (_name, line, executable, args) => {
    const shown = await explainInWindow(line);
    const real = (await client.request(ElevationRequest, { executable, arguments: args, cwd: '/' })).decision;
    expect(shown).toEqual({
      outcome: OUTCOME_LABEL[real.outcome],
      // Worded from the decision's reason code, as every window words it.
      reason: shownReason(english, real.reason, real.reasonDetail).text,
      controls: real.controls,
      deciding: real.deciding,
      // Enforced and monitored policies that match (the window lists both).
      matched: [...real.matched, ...real.monitored].map((m) => m.policyId).sort(),
      monitored: real.monitored.length > 0 ? 1 : 0,
    });
  });

  it('explains every check of a policy that does not match, and says clearly what it cannot explain', async () => {
    await explainInWindow('/usr/bin/id -u');
    const whoami = page.getByTestId('why-unmatched').locator('li[data-policy-id="deny-whoami"]');
    expect(await whoami.locator('[data-check="ApplicationCheck"]').getAttribute('data-passed')).toBe('false');
    expect(await whoami.locator('[data-check="ApplicationCheck"]').textContent()).toBe('fails Application: needs col-whoami · this request: /usr/bin/id');
    await page.getByTestId('why-input').fill('id -u');
    await page.getByTestId('why-submit').click();
    expect(await page.getByTestId('why-problem').textContent()).toBe('Start with the program’s full path, such as /usr/bin/apt-get.');
    await page.getByTestId('why-input').fill('/usr/bin/no-such-tool');
    await page.keyboard.press('Enter');
    await eventually(() => page.getByTestId('why-problem').textContent()).toBe('That program does not exist or cannot be read.');
  });

  it('shows this user’s recent requests with their decisions, the MFA session and elevated sessions, which can be revoked; passes axe in light and dark', async () => {
    expect(await settled('/usr/bin/whoami')).toBe('denied');
    expect(await settled('/usr/bin/true')).toBe('allowed');
    expect(await settled('/usr/bin/env')).toBe('allowed');
    await page.getByTestId('history-refresh').click();
    await eventually(() => page.getByTestId('history').locator('li').first().textContent()).toMatch(/^\/usr\/bin\/env/);
    const history = await page.getByTestId('history').locator('li').allTextContents();
    expect(history[0]).toMatch(/^\/usr\/bin\/env.*asked: Justification.*Every control passed\.Allowed$/);
    expect(history.some((h) => h.startsWith('/usr/bin/whoami') && h.includes('whoami is not for administrators.') && h.endsWith('Denied'))).toBe(true);
    expect(history.some((h) => h.startsWith('/usr/bin/true') && h.includes('asked: MFA code → Justification'))).toBe(true);
    // The history can arrive live before Refresh has reloaded the sessions: wait for those too.
    await eventually(() => page.getByTestId('mfa-session').textContent()).toMatch(/^PrivilegeElevation: no new code needed for [45] more min\.$/);
    await eventually(() => page.getByTestId('grants').locator('li').allTextContents()).toEqual([
      expect.stringMatching(/^\/usr\/bin\/envas root · policy “Environment session” · (30|29) min left · used 0×Revoke$/) as unknown,
    ]);
    // Everything on screen at once (sessions with a revocable grant, history, an explanation): axe in light and dark.
    await explainInWindow('/usr/bin/true');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(20, 23, 28)');
    expect(await seriousAxeViolations(page)).toEqual([]);
    for (const theme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      await page.evaluate(() => window.scrollTo(0, 0));
      await saveScreenshot(page, `keeper-agent-${theme}`);
      await page.getByRole('heading', { name: 'Your sessions' }).evaluate((heading) => heading.scrollIntoView({ block: 'start' }));
      await saveScreenshot(page, `keeper-agent-details-${theme}`);
      await page.getByRole('heading', { name: 'Why? Policy simulator' }).evaluate((heading) => heading.scrollIntoView({ block: 'start' }));
      await saveScreenshot(page, `keeper-agent-why-${theme}`);
    }

    // Keyboard only: Tab to the session's Revoke button and press Enter.
    await page.getByTestId('why-input').focus();
    const revoke = await tabUntil((el) => el.getAttribute('aria-label')?.startsWith('Revoke the elevated session') ?? false, 'backward');
    expect(revoke).toBe(true);
    await page.keyboard.press('Enter');
    await eventually(() => page.getByTestId('grants-empty').count()).toBe(1);
  });

  it('shows a request made from the CLI as it is made and as its state changes, without Refresh', async () => {
    const first = () => page.getByTestId('history').locator('li').first();
    const denied = await runCli(ELEVATE, sandbox.socket, ['/usr/bin/whoami']);
    expect(denied.code).not.toBe(0);
    await eventually(() => first().textContent()).toMatch(/^\/usr\/bin\/whoami.*whoami is not for administrators\.Denied$/);

    const cli = runCli(ELEVATE, sandbox.socket, ['/usr/bin/hostname']);
    await eventually(() => held.length).toBe(1);
    await eventually(() => first().textContent()).toMatch(/^\/usr\/bin\/hostname.*asked: Justification.*Pending$/);
    const requestId = await first().getAttribute('data-request-id');
    expect(requestId).toBe(held[0]!.subject.requestId);
    await client.request(PromptRespond, { promptId: held[0]!.promptId, response: { kind: 'justification', text: 'Naming the build host' } });
    await eventually(() => first().textContent()).toMatch(/^\/usr\/bin\/hostname.*Every control passed\.Allowed$/);
    expect(await first().getAttribute('data-request-id')).toBe(requestId);
    expect(await first().locator('[data-reason]').getAttribute('data-reason')).toBe('controls-passed');
    expect((await cli).code).toBe(0);
  });

  /** Presses Tab (or Shift+Tab) until the focused element satisfies `wanted`; false after 40 steps. */
  async function tabUntil(wanted: (el: Element) => boolean, direction: 'forward' | 'backward' = 'forward'): Promise<boolean> {
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press(direction === 'forward' ? 'Tab' : 'Shift+Tab');
      if (await page.evaluate(`(${wanted.toString()})(document.activeElement)`)) return true;
    }
    return false;
  }

  it('works with the keyboard alone: an administrator switches the log level live, and the theme can be chosen', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.evaluate(() => window.scrollTo(0, 0));
    expect(await tabUntil((el) => el.getAttribute('data-testid') === 'log-level-select')).toBe(true);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await eventually(async () => (await client.request(AgentStatusRequest, undefined)).logLevel).toBe('Information');
    await eventually(() => page.getByTestId('log-level-select').inputValue()).toBe('Information');

    expect(await tabUntil((el) => el.tagName === 'SELECT' && el.getAttribute('data-testid') === null)).toBe(true);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset['theme'])).toBe('dark');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset['theme'] ?? 'system')).toBe('system');
  });

  it('says "Disconnected" when the agent stops; back, it shows a non-administrator the log level read-only, with why', async () => {
    await agent.stop();
    await eventually(() => page.getByTestId('connection-state').textContent()).toBe('Disconnected');
    expect(await page.getByTestId('disconnected-notice').textContent()).toContain('not reachable');
    expect(await page.getByTestId('agent-uptime').textContent()).toBe('Not running');
    await page.evaluate(() => window.scrollTo(0, 0));
    await saveScreenshot(page, 'keeper-agent-disconnected');

    writeFileSync(configFile, JSON.stringify({ approvals: { administrators: { users: ['daemon'], groups: [] } } }));
    agent = await start();
    client.close();
    await connectDesktop();
    await eventually(() => page.getByTestId('connection-state').textContent()).toBe('Connected');
    expect(await page.getByTestId('disconnected-notice').count()).toBe(0);
    await eventually(() => page.getByTestId('log-level-why').textContent()).toBe('Only administrators of this machine can change the log level.');
    expect(await page.getByTestId('log-level').textContent()).toBe('Warning');
    expect(await page.getByTestId('log-level-select').count()).toBe(0);
  });

  it('speaks German when launched with lng=de', async () => {
    expect(await settled('/usr/bin/whoami')).toBe('denied');
    expect(await settled('/usr/bin/env')).toBe('allowed');
    const german = await tabs.open({ lng: 'de' });
    await eventually(() => german.getByTestId('connection-state').textContent()).toBe('Verbunden');
    expect(await german.evaluate(() => document.documentElement.lang)).toBe('de');
    expect(await german.title()).toBe('Keeper Agent');
    expect(await german.getByRole('heading', { name: 'Warum? Richtlinien-Simulator' }).count()).toBe(1);
    // The agent's reasons, worded in German from their codes (not the agent's English, so not marked raw).
    const denied = german.getByTestId('history').locator('li').filter({ hasText: '/usr/bin/whoami' }).first().locator('[data-reason]');
    await eventually(() => denied.textContent()).toBe('Richtlinie „No whoami“: whoami is not for administrators.');
    expect(await denied.getAttribute('data-reason')).toBe('policy-deny-message');
    expect(await denied.getAttribute('data-raw')).toBeNull();
    const passed = german.getByTestId('history').locator('li').filter({ hasText: '/usr/bin/env' }).first().locator('[data-reason]');
    expect(await passed.textContent()).toBe('Alle Kontrollen wurden bestanden.');
    await denied.scrollIntoViewIfNeeded();
    await saveScreenshot(german, 'keeper-agent-history-de');
    await german.goto(withQuery(german.url(), { lng: 'de', theme: 'dark' }));
    await eventually(() => denied.textContent()).toBe('Richtlinie „No whoami“: whoami is not for administrators.');
    await denied.scrollIntoViewIfNeeded();
    await saveScreenshot(german, 'keeper-agent-history-de-dark');
  });

  it('runs under the strict CSP: as a header, as the first thing in <head>, and inline script is refused', async () => {
    const response = await context.request.get(shell.agentWindowUrl.split('#')[0]!);
    expect(response.headers()['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    const metaFirst = await page.evaluate(() => {
      const meta = document.head.querySelector('meta[http-equiv="Content-Security-Policy"]');
      const script = document.head.querySelector('script');
      return meta !== null && script !== null && (meta.compareDocumentPosition(script) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
    });
    expect(metaFirst).toBe(true);
    // DevTools evaluation is exempt from CSP, so the probe is an inline script the page itself would run.
    const inline = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          document.addEventListener('securitypolicyviolation', (event) => resolve(`blocked by ${event.effectiveDirective}`), { once: true });
          const script = document.createElement('script');
          script.textContent = 'document.documentElement.dataset.inlineRan = "yes"';
          document.head.append(script);
          setTimeout(() => resolve(document.documentElement.dataset['inlineRan'] === 'yes' ? 'ran' : 'silent'), 1000);
        }),
    );
    expect(inline).toBe('blocked by script-src-elem');
  });

  it('refuses a bridge connection without the window token', async () => {
    const probe = await context.newPage();
    await probe.goto(shell.agentWindowUrl.split('#')[0]!);
    await expect.poll(() => probe.locator('.kp-notice').first().textContent()).toContain('without its web shell token');
    const status = await probe.evaluate(async (origin) => {
      const socket = new WebSocket(`${origin.replace('http', 'ws')}/bridge`, ['keeper.bridge', 'keeper.token.wrong']);
      return new Promise<string>((resolve) => {
        socket.onopen = () => resolve('open');
        socket.onerror = () => resolve('refused');
      });
    }, new URL(shell.agentWindowUrl).origin);
    expect(status).toBe('refused');
    await probe.close();
  });
});

describe('KeeperAgent window: the prompt settings in force, and the job files’ problems beside the policy errors', () => {
  const sandbox = makeSandbox();
  const policiesDir = join(sandbox.dir, 'policies');
  const jobsDir = join(sandbox.dir, 'jobs');
  const configFile = join(sandbox.dir, 'agent.json');
  let agent: AgentProcess;
  let shell: WebShellProcess;
  let browser: Browser;
  let tabs: WindowTabs;

  beforeAll(async () => {
    writePolicyDir(policiesDir, { 'col-id': '/usr/bin/id' }, [appPolicy('allow-id', 'col-id', ['ALLOW'])]);
    // The shipped jobs, and one that is not a job.
    cpSync(join(PROJECT_DIR, 'resources/jobs'), jobsDir, { recursive: true });
    writeFileSync(join(jobsDir, 'zz-broken.json'), JSON.stringify({ id: 'broken', name: 'Broken' }));
    writeFileSync(
      configFile,
      JSON.stringify({
        operatorApproval: { onTimeout: 'allow', timeoutSeconds: 45 },
        justification: { minLength: 12, maxLength: 400 },
        mfa: { sessionMinutes: 10, promptTimeoutSeconds: 90 },
      }),
    );
    agent = await startAgent({
      socket: sandbox.socket,
      dataDir: sandbox.dataDir,
      extra: ['--policies', policiesDir, '--jobs', jobsDir, '--config', configFile],
    });
    shell = await startWebShell(sandbox.socket);
    browser = await launchChromium();
    tabs = await windowTabs(browser, shell.agentWindowUrl, { viewport: { width: 560, height: 760 } });
  });

  afterEach(() => tabs.closeTabs());

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
    await agent?.stop();
    sandbox.cleanup();
  });

  it('shows what agent.status reports, marks the timeouts the job still sets, and passes axe in light and dark', async () => {
    const page = await tabs.open();
    const section = page.getByRole('region', { name: 'Prompt settings in force' });
    await section.waitFor();
    expect(await page.getByTestId('prompt-settings-justification').textContent()).toBe('12–400 characters, waits 5 min unless the policy-controls job sets it');
    expect(await page.getByTestId('prompt-settings-notify').textContent()).toBe('waits 5 min unless the policy-controls job sets it');
    expect(await page.getByTestId('prompt-settings-operator-approval').textContent()).toBe(
      'waits 45 s; no answer in time: allow (set by the administrator); no desktop to show it: deny',
    );
    expect(await page.getByTestId('prompt-settings-mfa').textContent()).toBe('prompt waits 90 s; session 10 min; 1 code(s) per prompt');
    const jobErrors = page.getByRole('list', { name: 'Problems in job files' });
    expect(await jobErrors.locator('li').count()).toBeGreaterThan(0);
    expect(await jobErrors.locator('li').first().textContent()).toMatch(/^zz-broken\.json/);
    expect(await page.getByTestId('policy-errors').count()).toBe(0);
    // Nothing here takes focus: Tab moves through the window's own controls and never gets stuck in the section.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('[data-testid="prompt-settings"]') ?? null)).toBeNull();
    // The window scrolls (it is taller than the viewport by design), so axe without the overflow check.
    await section.evaluate((heading) => heading.scrollIntoView({ block: 'start' }));
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme });
      expect(await seriousAxeViolations(page)).toEqual([]);
      await saveScreenshot(page, `keeper-agent-prompt-settings-${theme}`);
    }
  });

  it('words the settings in German with lng=de', async () => {
    const german = await tabs.open({ lng: 'de' });
    await german.getByRole('region', { name: 'Geltende Eingabeaufforderungs-Einstellungen' }).waitFor();
    expect(await german.getByTestId('prompt-settings-operator-approval').textContent()).toBe(
      'wartet 45 s; keine Antwort rechtzeitig: zulassen (vom Administrator festgelegt); kein Desktop zum Anzeigen: ablehnen',
    );
    expect(await german.getByRole('list', { name: 'Probleme in Auftragsdateien' }).count()).toBe(1);
  });
});
