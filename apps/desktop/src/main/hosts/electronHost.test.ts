import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BehaviorSubject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserWindow, ipcMain, protocol, session, type FakeWebContents } from '../../../../../tests/support/fakeElectron.ts';
import { AgentStatusService, type AgentStatusView } from '../../../../../shared/bridge/src/common/services/agentStatus.ts';
import { JustificationPromptService } from '../../../../../shared/bridge/src/common/services/prompts.ts';
import { bindService, ServiceDispatcher } from '../../../../../shared/bridge/src/main/serviceDispatcher.ts';
import { fakeAgentLink, promptShow } from '../../../../../tests/support/fakeAgentLink.ts';
import { PromptCenter } from '../prompts/promptCenter.ts';
import { promptWindowService } from '../prompts/promptWindowService.ts';
import type { Presence } from './windowHost.ts';
import { createElectronHost, APP_SCHEME } from './electronHost.ts';
import { CONTENT_SECURITY_POLICY } from '../security/contentSecurityPolicy.ts';

const view: AgentStatusView = { connection: 'disconnected', status: null, lastError: 'no agent socket', changedAt: new Date(0).toISOString() };
const refreshCalls: unknown[][] = [];
const dispatcher = new ServiceDispatcher([
  bindService(AgentStatusService, {
    status$: () => new BehaviorSubject(view),
    refresh: (...args: unknown[]) => {
      refreshCalls.push(args);
      return Promise.resolve(view);
    },
  }),
]);

/** Sends an electron-ipc-cat request as `sender` and resolves with main's reply (or null if none came). */
function ipcRequest(sender: FakeWebContents, request: Record<string, unknown>): Promise<unknown> {
  const correlationId = String(Math.random());
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 200);
    sender.once(`ipc-reply:${correlationId}`, (reply: unknown) => {
      clearTimeout(timer);
      resolve(reply);
    });
    ipcMain.sendFrom(sender, AgentStatusService.channel, request, correlationId);
  });
}

describe('Electron host (fake Electron at the seam)', () => {
  const rendererDir = mkdtempSync(join(tmpdir(), 'kp-renderer-'));
  let host: ReturnType<typeof createElectronHost>;
  let window: BrowserWindow;
  const userClosed: string[] = [];

  beforeAll(async () => {
    mkdirSync(join(rendererDir, 'keeper-agent/src/renderer'), { recursive: true });
    writeFileSync(join(rendererDir, 'keeper-agent/src/renderer/index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(tmpdir(), 'kp-secret.html'), 'secret');
    host = createElectronHost({ rendererDir, preloadDir: '/app/dist/preload', dispatcherFor: () => dispatcher, onClosedByUser: (id) => userClosed.push(id) });
    await host.open('keeper-agent', { locale: 'de', theme: 'dark' });
    window = BrowserWindow.all.at(-1)!;
  });
  afterAll(async () => {
    await host.dispose();
    rmSync(rendererDir, { recursive: true, force: true });
  });

  it('creates a sandboxed, context-isolated window with its own preload, shown only when ready', () => {
    const prefs = window.options['webPreferences'] as Record<string, unknown>;
    expect(prefs).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/app/dist/preload/keeper-agent.cjs',
    });
    expect(window.options['show']).toBe(false);
    expect(window.shown).toBe(true);
    expect(window.loadedUrl).toBe(`${APP_SCHEME}://renderer/keeper-agent/?lng=de&theme=dark`);
  });

  it('focuses the existing window instead of opening the same one twice', async () => {
    const count = BrowserWindow.all.length;
    await host.open('keeper-agent');
    expect(BrowserWindow.all.length).toBe(count);
    expect(window.focused).toBe(true);
  });

  it('denies new windows, navigation and every permission request', () => {
    expect(window.webContents.windowOpenHandler?.({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    let prevented = false;
    window.webContents.emit('will-navigate', { preventDefault: () => (prevented = true) }, 'https://example.com');
    expect(prevented).toBe(true);
    let granted: boolean | null = null;
    session.defaultSession.permissionRequestHandler?.(window.webContents, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
  });

  it('serves pages from its own scheme with the CSP, and nothing outside the renderer folder', async () => {
    const handler = protocol.handlers.get(APP_SCHEME)!;
    const page = await handler(new Request(`${APP_SCHEME}://renderer/keeper-agent/`));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    for (const path of ['/..%2f..%2fkp-secret.html', '/../kp-secret.html', '/keeper-agent/src/renderer/missing.html']) {
      expect((await handler(new Request(`${APP_SCHEME}://renderer${path}`))).status).toBe(404);
    }
    expect((await handler(new Request(`${APP_SCHEME}://other/keeper-agent/`))).status).toBe(404);
  });

  it('answers declared calls from the granted window, with validated arguments', async () => {
    const reply = (await ipcRequest(window.webContents, { type: 'apply', propKey: 'refresh', args: [] })) as { type: string; result: unknown };
    expect(reply).toEqual({ type: 'result', result: view });
    expect(refreshCalls).toEqual([[]]);
    const bad = (await ipcRequest(window.webContents, { type: 'apply', propKey: 'refresh', args: ['extra'] })) as { type: string; error: string };
    expect(bad.type).toBe('error');
    expect(bad.error).toContain('invalid arguments');
    expect(refreshCalls).toHaveLength(1);
  });

  it('refuses undeclared members and raw property reads', async () => {
    for (const request of [
      { type: 'apply', propKey: 'constructor', args: [] },
      { type: 'get', propKey: 'refresh' },
      { type: 'apply', propKey: 'toString', args: [] },
    ]) {
      const reply = (await ipcRequest(window.webContents, request)) as { type: string } | null;
      expect(reply?.type, JSON.stringify(request)).toBe('error');
    }
  });

  it('ignores IPC from a webContents that was not granted the service', async () => {
    const stranger = new BrowserWindow({}).webContents;
    const refused: number[] = [];
    const before = refreshCalls.length;
    expect(await ipcRequest(stranger, { type: 'apply', propKey: 'refresh', args: [] })).toBeNull();
    expect(refreshCalls.length).toBe(before);
    expect(refused).toEqual([]);
  });

  it('tells main when the user closed a window, and not when main closed it', async () => {
    host.close('keeper-agent');
    expect(userClosed).toEqual([]);
    await host.open('keeper-agent');
    BrowserWindow.all.at(-1)!.close();
    expect(userClosed).toEqual(['keeper-agent']);
    await host.open('keeper-agent');
    window = BrowserWindow.all.at(-1)!;
  });

  it('revokes the grant when the window closes', async () => {
    const contents = window.webContents;
    window.close();
    expect(await ipcRequest(contents, { type: 'apply', propKey: 'refresh', args: [] })).toBeNull();
  });
});

describe('Electron host: pre-warmed prompt windows', () => {
  const rendererDir = mkdtempSync(join(tmpdir(), 'kp-renderer-'));
  const agent = fakeAgentLink();
  const center = new PromptCenter(
    agent.link,
    () => {},
    () => {},
  );
  const presences = new Map<number, Presence>();
  let host: ReturnType<typeof createElectronHost>;
  const userClosed: string[] = [];
  const windowsOf = (id: string) => BrowserWindow.all.filter((w) => w.loadedUrl?.startsWith(`${APP_SCHEME}://renderer/${id}/`) && !w.destroyed);
  /** Cancels prompt `promptId` as `sender`'s page would; null when main does not answer (refused). */
  const respond = (sender: FakeWebContents, promptId: string) =>
    new Promise<unknown>((resolve) => {
      const correlationId = String(Math.random());
      const timer = setTimeout(() => resolve(null), 200);
      sender.once(`ipc-reply:${correlationId}`, (reply: unknown) => {
        clearTimeout(timer);
        resolve(reply);
      });
      ipcMain.sendFrom(sender, JustificationPromptService.channel, { type: 'apply', propKey: 'respond', args: [promptId, { kind: 'cancel' }] }, correlationId);
    });

  beforeAll(() => {
    host = createElectronHost({
      rendererDir,
      preloadDir: '/app/dist/preload',
      dispatcherFor: (id, presence) => {
        const dispatcher = new ServiceDispatcher([bindService(JustificationPromptService, promptWindowService(center, 'justification', presence))]);
        // Called for the window just made, the last one.
        presences.set(BrowserWindow.all.at(-1)!.webContents.id, presence);
        return dispatcher;
      },
      onClosedByUser: (id) => userClosed.push(id),
    });
    host.prewarm('keeper-justification');
  });
  afterAll(async () => {
    await host.dispose();
    rmSync(rendererDir, { recursive: true, force: true });
  });

  it('keeps one hidden spare loaded, with the same sandbox, that is not presented and answers nothing', async () => {
    host.prewarm('keeper-justification');
    const [spare] = windowsOf('keeper-justification');
    expect(windowsOf('keeper-justification')).toHaveLength(1);
    expect(spare!.options['show']).toBe(false);
    expect(spare!.shown).toBe(false);
    expect(spare!.options['webPreferences']).toMatchObject({ sandbox: true, contextIsolation: true, preload: '/app/dist/preload/keeper-justification.cjs' });
    expect(presences.get(spare!.webContents.id)?.value).toBe(false);
    agent.push('prompt.show', promptShow('a', 'justification'));
    expect(await respond(spare!.webContents, 'a')).toMatchObject({ type: 'error' });
    expect(agent.requests).toEqual([]);
  });

  it('open() shows the spare at once, presented, and loads the next spare hidden', async () => {
    const [spare] = windowsOf('keeper-justification');
    const count = BrowserWindow.all.length;
    await host.open('keeper-justification');
    expect(spare!.shown && spare!.focused).toBe(true);
    expect(presences.get(spare!.webContents.id)?.value).toBe(true);
    expect(BrowserWindow.all.length).toBe(count + 1);
    const next = BrowserWindow.all.at(-1)!;
    expect(next.shown).toBe(false);
    expect(presences.get(next.webContents.id)?.value).toBe(false);
    expect(await respond(spare!.webContents, 'a')).toEqual({ type: 'result', result: { accepted: true } });
    expect(await respond(next.webContents, 'a')).toMatchObject({ type: 'error' });
  });

  it('a second open() focuses the presented window instead of taking the spare', async () => {
    const count = BrowserWindow.all.length;
    await host.open('keeper-justification');
    expect(BrowserWindow.all.length).toBe(count);
    expect(windowsOf('keeper-justification').filter((w) => w.shown)).toHaveLength(1);
  });

  it('closing the presented window ends it for good; the spare is presented for the next prompt', async () => {
    const [shown, spare] = windowsOf('keeper-justification');
    const contents = shown!.webContents;
    shown!.close();
    expect(userClosed).toEqual(['keeper-justification']);
    expect(await respond(contents, 'a')).toBeNull();
    host.close('keeper-justification');
    expect(spare!.destroyed).toBe(false);
    await host.open('keeper-justification');
    expect(spare!.shown).toBe(true);
    host.close('keeper-justification');
    expect(spare!.destroyed).toBe(true);
    expect(userClosed).toEqual(['keeper-justification']);
  });
});
