import { spawn, type ChildProcess } from 'node:child_process';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { launchChromium } from '../support/browser.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { eventually } from '../support/promptWindowHarness.ts';
import { probeWebShell, type ProbeResult, type ProbeStep } from '../support/webShellProbe.ts';
import { startWebShell, type WebShellProcess } from '../support/webShellProcess.ts';
import { launchNonce, pageToken } from '../support/webShellLaunch.ts';

/**
 * Issue 15, attack 1: another local user (`nobody`) read the web shell's window tokens from
 * Chromium's command line (/proc/<pid>/cmdline is world-readable) and drove the desktop user's
 * windows with them. Here the launcher runs as root, as `npm start` does, opens its windows in a
 * real Chromium on a virtual display, and `nobody` tries every way in from processes of its own.
 */

const ATTACKER = 'nobody';
const SPARE = 'keeper-justification';

/** A virtual display for the launcher's Chromium; resolves once Xvfb says it is ready (-displayfd). */
function startXvfb(): Promise<{ display: string; child: ChildProcess }> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-screen', '0', '1024x768x24'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let number = '';
    child.once('error', (error) => reject(new Error(`Xvfb is needed for this test ("apt-get install -y xvfb"): ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      number += chunk.toString();
      if (number.includes('\n')) resolve({ display: `:${number.trim()}`, child });
    });
  });
}

const status = (result: ProbeResult | undefined) => (result && 'status' in result ? result.status : result);
const body = (result: ProbeResult | undefined) => (result && 'body' in result ? result.body : '');
const cmdlines = async (user: string) => {
  const [result] = await probeWebShell(user, [{ kind: 'cmdlines' }]);
  if (!result || !('cmdlines' in result)) throw new Error(`no command lines: ${JSON.stringify(result)}`);
  return result.cmdlines;
};

/** Opens the bridge with `token` from this (root) process, as a page would: the control for each refusal. */
function bridge(port: number, token: string) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/bridge`, ['keeper.bridge', `keeper.token.${token}`], { origin: `http://127.0.0.1:${port}` });
  const messages: Array<{ t: string; id: number; value?: unknown; error?: { message: string; code?: string } }> = [];
  socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8')) as (typeof messages)[number]));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { opened, messages, send: (message: Record<string, unknown>) => socket.send(JSON.stringify(message)), close: () => socket.close() };
}

describe('web shell launch links and tokens against another local user (nobody)', () => {
  const sandbox = policyAgentSandbox();
  let xvfb: ChildProcess | undefined;
  let shell: WebShellProcess;
  let browser: Browser;
  let context: BrowserContext;
  let port: number;
  let spareUrl: string;
  let spare: Page;
  let token: string;
  /** The URL of the spare's bridge socket, as Chromium opened it. */
  let bridgeUrl: string;

  beforeAll(async () => {
    await sandbox.start({ apps: { 'col-true': '/usr/bin/true' }, policies: [appPolicy('pol-true', 'col-true', ['JUSTIFY'])] });
    const screen = await startXvfb();
    xvfb = screen.child;
    shell = await startWebShell(sandbox.socket, { ...process.env, DISPLAY: screen.display }, { prewarm: true, openBrowser: true });
    port = Number(new URL(shell.agentWindowUrl).port);
    browser = await launchChromium();
    context = await browser.newContext();
    // The launcher's own user loads a spare page the way a driver does, and so holds a live token.
    spareUrl = await shell.spareUrl(SPARE);
    spare = await context.newPage();
    // Loaded and connected: its bridge socket (whose handshake traded the link's nonce for the token) answered.
    const bridged = spare.waitForEvent('websocket').then(async (socket) => {
      await socket.waitForEvent('framereceived');
      return socket.url();
    });
    await spare.goto(spareUrl);
    bridgeUrl = await bridged;
    token = await pageToken(spare);
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.stop();
    xvfb?.kill();
    await sandbox.dispose();
  });

  it('no launch link or token is on any command line; the launcher’s Chromium reads its link from a file only its user can read', async () => {
    const links = [shell.agentWindowUrl, await shell.windowUrl('keeper-client'), spareUrl];
    // The launcher's Chromium (both windows) is up: the check below is not over an empty list.
    await eventually(async () => (await cmdlines(ATTACKER)).filter((p) => p.cmdline.includes('--app=')).length).toBeGreaterThanOrEqual(2);
    const seen = await cmdlines(ATTACKER);
    for (const { pid, cmdline } of seen) {
      const where = `pid ${pid}: ${cmdline}`;
      expect(cmdline, where).not.toMatch(/[#?&](token|launch)=[\w-]{20}/);
      expect(cmdline, where).not.toContain(token);
      for (const link of links) expect(cmdline, where).not.toContain(launchNonce(link));
    }
    const openers = seen.flatMap((p) => /--app=file:\/\/(\S+)/.exec(p.cmdline)?.[1] ?? []);
    expect(openers.length).toBeGreaterThanOrEqual(2);
    for (const opener of openers) {
      const [read] = await probeWebShell(ATTACKER, [{ kind: 'readFile', path: decodeURIComponent(opener) }]);
      expect(read).toEqual({ error: 'EACCES' });
    }
  });

  it('a launch link opens its page once: the page drops it from its address, and its nonce is dead even to the launcher’s own user', async () => {
    expect(spare.url()).toBe(spareUrl.split('#')[0]);
    // The nonce and the token travel in the handshake's subprotocols, never in the socket's URL.
    expect(bridgeUrl).toBe(`ws://127.0.0.1:${port}/bridge?window=${SPARE}`);
    const [again] = await probeWebShell(null, [{ kind: 'launch', port, window: SPARE, nonce: launchNonce(spareUrl) }]);
    expect(status(again)).toBe(401);
    expect(body(again)).toContain('unknown or already used launch link');
    expect(shell.output()).toMatch(/web shell refused GET \/bridge from 127\.0\.0\.1:\d+: 401 unknown or already used launch link/);
    // A second tab on the same link gets no bridge; the first keeps its token over a reload.
    const second = await context.newPage();
    await second.goto(spareUrl);
    await eventually(() => second.getByRole('alert').textContent()).toContain('each works once');
    expect(await second.getByTestId('nothing-pending').count()).toBe(0);
    await second.close();
    const rebridged = spare.waitForEvent('websocket').then((socket) => socket.waitForEvent('framereceived'));
    await spare.reload();
    await rebridged;
    expect(await spare.getByTestId('nothing-pending').count()).toBe(1);
    expect(await pageToken(spare)).toBe(token);
  });

  it('a stolen token or live nonce gets nobody in: the bridge (with either) and the pages check the peer’s uid', async () => {
    const liveNonce = launchNonce(await shell.spareUrl('keeper-message'));
    const steps: ProbeStep[] = [
      { kind: 'upgrade', port, token },
      { kind: 'launch', port, window: 'keeper-message', nonce: liveNonce },
      { kind: 'get', port, path: `/${SPARE}/` },
    ];
    const refused = await probeWebShell(ATTACKER, steps);
    for (const result of refused) {
      expect(status(result)).toBe(403);
      expect(body(result)).toContain('connection from another user (uid 65534)');
    }
    expect(shell.output().match(/web shell refused GET \/bridge from 127\.0\.0\.1:\d+: 403 connection from another user \(uid 65534\)/g)).toHaveLength(2);
    expect(shell.output()).toMatch(/web shell refused GET \/keeper-justification\/ from 127\.0\.0\.1:\d+: 403 connection from another user/);
    // The same requests from the launcher's own user pass: the refusal was the uid, and the
    // attacker's try did not use up the nonce.
    const [upgrade, launch] = await probeWebShell(null, steps);
    expect(status(upgrade)).toBe(101);
    expect(status(launch)).toBe(101);
    // Neither the token nor the nonce ever reaches the log.
    expect(shell.output()).not.toContain(token);
    expect(shell.output().match(new RegExp(liveNonce, 'g'))).toHaveLength(1);
  });

  it('the bridge handshake, with a token or a nonce, wants the shell’s own Host and Origin (DNS rebinding, another site in the browser)', async () => {
    const nonce = launchNonce(await shell.spareUrl('keeper-mfa'));
    const results = await probeWebShell(null, [
      { kind: 'upgrade', port, token, host: `evil.example:${port}` },
      { kind: 'upgrade', port, token, origin: 'https://evil.example' },
      { kind: 'launch', port, window: 'keeper-mfa', nonce, host: `evil.example:${port}` },
      { kind: 'launch', port, window: 'keeper-mfa', nonce, origin: 'https://evil.example' },
      { kind: 'get', port, path: `/${SPARE}/`, host: `127.0.0.1.evil.example:${port}` },
      { kind: 'upgrade', port, token, host: `localhost:${port}` },
      { kind: 'launch', port, window: 'keeper-mfa', nonce, host: `[::1]:${port}` },
    ]);
    expect(results.map(status)).toEqual([421, 403, 421, 403, 421, 101, 101]);
    expect(body(results[0])).toContain('unknown Host "evil.example');
    expect(body(results[1])).toContain('foreign Origin "https://evil.example"');
    expect(shell.output()).toMatch(/web shell refused GET \/bridge from 127\.0\.0\.1:\d+: 421 unknown Host/);
  });

  it('a window’s token reaches only that window’s services', async () => {
    const link = bridge(port, token);
    await link.opened;
    link.send({ t: 'subscribe', id: 1, channel: 'keeper.prompts.justification', member: 'queue$', args: [] });
    link.send({ t: 'call', id: 2, channel: 'keeper.tray', member: 'activate', args: ['quick-elevate'] });
    link.send({ t: 'call', id: 3, channel: 'keeper.approverQueue', member: 'list', args: [] });
    await eventually(() => link.messages.length).toBe(3);
    link.close();
    expect(link.messages.find((m) => m.id === 1)).toMatchObject({ t: 'next', value: { current: null } });
    for (const id of [2, 3]) {
      expect(link.messages.find((m) => m.id === id)).toMatchObject({
        t: 'failure',
        error: { message: expect.stringContaining('is not available to this window') as string },
      });
    }
  });
});
