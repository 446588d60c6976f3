import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ElevationRequest } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { launchChromium } from '../support/browser.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, settledState } from '../support/policyFixtures.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { startWebShell, type WebShellProcess } from '../support/webShellProcess.ts';
import { pageToken } from '../support/webShellLaunch.ts';

const WINDOW = 'keeper-justification';
const CHANNEL = 'keeper.prompts.justification';

/**
 * Talks to the web shell's bridge with the token of the page loaded from `url` (pageToken), without
 * a browser: what a page could do with a token it holds, whatever its script says.
 */
async function rawBridge(url: string, token: string) {
  const page = new URL(url);
  const socket = new WebSocket(`ws://${page.host}/bridge`, ['keeper.bridge', `keeper.token.${token}`], { origin: page.origin });
  const messages: Array<{ t: string; id: number; value?: { current: { promptId: string } | null }; error?: { message: string } }> = [];
  socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as (typeof messages)[number]));
  const opened = await new Promise<boolean>((resolve) => {
    socket.once('open', () => resolve(true));
    socket.once('error', () => resolve(false));
  });
  return {
    opened,
    messages,
    send: (message: Record<string, unknown>) => socket.send(JSON.stringify(message)),
    close: () => socket.close(),
  };
}

describe('pre-warmed prompt windows through the web shell (the shell keeps a spare page per prompt window)', () => {
  const sandbox = policyAgentSandbox();
  let shell: WebShellProcess;
  let requester: AgentClient;
  let browser: Browser;
  let context: BrowserContext;
  /** The spares loaded so far, by their number: a launch link opens one page, once. */
  const loaded = new Map<number, Page>();
  const request = (client: AgentClient = requester) => client.request(ElevationRequest, { executable: '/usr/bin/true', arguments: ['--prewarm'], cwd: '/' });
  /** The shell's `nth` spare page, loaded (once), connected and idle. */
  const spare = async (nth: number): Promise<Page> => {
    const known = loaded.get(nth);
    if (known) {
      await eventually(() => known.getByTestId('nothing-pending').count()).toBe(1);
      return known;
    }
    const page = await context.newPage();
    loaded.set(nth, page);
    // Connected: the bridge socket (opened once the page traded its launch link) carried its first answer.
    const bridged = page.waitForEvent('websocket').then((socket) => socket.waitForEvent('framereceived'));
    await page.goto(await shell.spareUrl(WINDOW, nth));
    await bridged;
    await eventually(() => page.getByTestId('nothing-pending').count()).toBe(1);
    return page;
  };
  /**
   * The number of the spare the next prompt will be presented in: the first one the shell has not
   * presented yet. Cases start from it, not from what earlier cases did, so each can run alone.
   */
  const idleSpare = async (): Promise<number> => {
    const presented = new Set(await Promise.all(Array.from({ length: shell.announced(WINDOW) }, (_, i) => shell.windowUrl(WINDOW, i + 1))));
    let nth = 1;
    while (presented.has(await shell.spareUrl(WINDOW, nth))) nth++;
    return nth;
  };

  beforeAll(async () => {
    await sandbox.start({ apps: { 'col-true': '/usr/bin/true' }, policies: [appPolicy('pol-true', 'col-true', ['JUSTIFY'])] });
    shell = await startWebShell(sandbox.socket, process.env, { prewarm: true });
    requester = await connectClient(sandbox.socket);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 560, height: 640 } });
  });

  afterAll(async () => {
    requester?.close();
    await browser?.close();
    await shell?.stop();
    await sandbox.dispose();
  });

  it('a loaded spare shows nothing until the shell presents it for a prompt, then shows that prompt with the field focused', async () => {
    const nth = await idleSpare();
    const shownBefore = shell.announced(WINDOW);
    const presented = await spare(nth);
    const first = await request();
    expect(first.state).toBe('pending');
    expect(await shell.windowUrl(WINDOW, shownBefore + 1)).toBe(await shell.spareUrl(WINDOW, nth));
    await eventually(() => presented.getByRole('textbox').count()).toBe(1);
    expect(await presented.evaluate(() => document.activeElement?.tagName)).toBe('TEXTAREA');
    expect(await presented.getByTestId('subject-command').textContent()).toBe('/usr/bin/true --prewarm');
    // The next spare is made at once; loaded, it sees neither this prompt nor the one queued behind it.
    const next = await spare(nth + 1);
    const second = await request();
    await eventually(() => presented.getByTestId('waiting').count()).toBe(1);
    expect(await next.getByTestId('nothing-pending').count()).toBe(1);

    await presented.keyboard.type('needed for the prewarm test');
    await presented.keyboard.press('Control+Enter');
    expect((await settledState(requester, first.requestId)).state).toBe('allowed');
    // The queued prompt follows in the same window, never in the spare.
    await eventually(() => presented.getByTestId('waiting').count()).toBe(0);
    await eventually(() => presented.getByRole('textbox').count()).toBe(1);
    expect(await next.getByTestId('nothing-pending').count()).toBe(1);
    await presented.keyboard.press('Escape');
    expect((await settledState(requester, second.requestId)).state).toBe('denied');
  });

  it('a spare’s token reaches an empty queue and cannot answer the prompt shown elsewhere', async () => {
    const nth = await idleSpare();
    const shownBefore = shell.announced(WINDOW);
    const presented = await spare(nth);
    const prompt = await request();
    const shown = await shell.windowUrl(WINDOW, shownBefore + 1);
    expect(shown).toBe(await shell.spareUrl(WINDOW, nth));
    await eventually(() => presented.getByRole('textbox').count()).toBe(1);
    const presentedBridge = await rawBridge(shown, await pageToken(presented));
    presentedBridge.send({ t: 'subscribe', id: 1, channel: CHANNEL, member: 'queue$', args: [] });
    const shownPromptId = () => presentedBridge.messages.find((m) => m.t === 'next' && m.value?.current)?.value?.current?.promptId;
    await eventually(shownPromptId).toBeTruthy();
    const promptId = shownPromptId()!;
    presentedBridge.close();

    // The next spare, loaded (a launch link opens one page, once): its token, used raw.
    const next = await rawBridge(await shell.spareUrl(WINDOW, nth + 1), await pageToken(await spare(nth + 1)));
    expect(next.opened).toBe(true);
    next.send({ t: 'subscribe', id: 1, channel: CHANNEL, member: 'queue$', args: [] });
    next.send({ t: 'call', id: 2, channel: CHANNEL, member: 'respond', args: [promptId, { kind: 'cancel' }] });
    await eventually(() => next.messages.length).toBe(2);
    expect(next.messages.find((m) => m.id === 1)).toMatchObject({ t: 'next', value: { current: null } });
    expect(next.messages.find((m) => m.id === 2)).toMatchObject({ t: 'failure', error: { message: expect.stringContaining('not presented') as string } });
    next.close();
    await presented.keyboard.press('Escape');
    expect((await settledState(requester, prompt.requestId)).state).toBe('denied');
  });

  it('once its prompts are done the window is closed for good: no later prompt reaches it, and its token is refused', async () => {
    // A window whose prompt is done: presented in the idle spare, then cancelled.
    const nth = await idleSpare();
    const shownBefore = shell.announced(WINDOW);
    const closedPage = await spare(nth);
    const done = await request();
    const closedUrl = await shell.windowUrl(WINDOW, shownBefore + 1);
    expect(closedUrl).toBe(await shell.spareUrl(WINDOW, nth));
    await eventually(() => closedPage.getByRole('textbox').count()).toBe(1);
    await closedPage.keyboard.press('Escape');
    expect((await settledState(requester, done.requestId)).state).toBe('denied');
    await eventually(() => closedPage.getByTestId('nothing-pending').count()).toBe(1);

    const next = await spare(nth + 1);
    const prompt = await request();
    expect(await shell.windowUrl(WINDOW, shownBefore + 2)).toBe(await shell.spareUrl(WINDOW, nth + 1));
    await eventually(() => next.getByRole('textbox').count()).toBe(1);
    expect(await closedPage.getByTestId('nothing-pending').count()).toBe(1);
    expect((await rawBridge(closedUrl, await pageToken(closedPage))).opened).toBe(false);
    await next.keyboard.press('Escape');
    expect((await settledState(requester, prompt.requestId)).state).toBe('denied');
  });

  it('prompt.closed from the agent closes the presented window (its requester went away)', async () => {
    const presented = await spare(await idleSpare());
    const leaving = await connectClient(sandbox.socket);
    await request(leaving);
    await eventually(() => presented.getByRole('textbox').count()).toBe(1);
    leaving.close();
    await eventually(() => presented.getByTestId('nothing-pending').count()).toBe(1);
    expect(await presented.getByRole('textbox').count()).toBe(0);
  });

  it('with no spare loaded, the shell loads the window afresh for the prompt', async () => {
    const nth = await idleSpare();
    expect(loaded.has(nth), 'the idle spare is not loaded').toBe(false);
    const shownBefore = shell.announced(WINDOW);
    const prompt = await request();
    const url = await shell.windowUrl(WINDOW, shownBefore + 1);
    expect(url).not.toBe(await shell.spareUrl(WINDOW, nth));
    const page = await context.newPage();
    await page.goto(url);
    await eventually(() => page.getByRole('textbox').count()).toBe(1);
    await page.keyboard.press('Escape');
    expect((await settledState(requester, prompt.requestId)).state).toBe('denied');
  });
});
