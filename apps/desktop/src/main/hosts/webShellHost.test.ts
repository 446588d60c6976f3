import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ServiceDispatcher } from '../../../../../shared/bridge/src/main/serviceDispatcher.ts';
import { createWebShellHost, type WebShellHost } from './webShellHost.ts';

const nonceOf = (url: string) => new URLSearchParams(new URL(url).hash.slice(1)).get('launch') ?? '';

describe('web shell host: one-time launch links traded for tokens', () => {
  let host: WebShellHost | undefined;
  const refusals: string[] = [];
  afterEach(async () => {
    await host?.dispose();
    refusals.length = 0;
  });
  const start = async () =>
    (host = await createWebShellHost({
      rendererDir: '/nonexistent',
      dispatcherFor: () => new ServiceDispatcher([]),
      onRefusal: (line) => refusals.push(line),
    }));
  /**
   * Opens the bridge as a page does, offering `credential` (`keeper.launch.<nonce>` or
   * `keeper.token.<token>`) for `window`: 101 and the shell's first message, or the refusal's status and body.
   */
  const bridge = (origin: string, credential: string, window = 'keeper-agent', sentOrigin = origin) =>
    new Promise<{ status: number; body: string }>((resolve) => {
      const socket = new WebSocket(`${origin.replace('http', 'ws')}/bridge?window=${window}`, ['keeper.bridge', credential], { origin: sentOrigin });
      socket.once('open', () => {
        const quiet = setTimeout(() => (socket.close(), resolve({ status: 101, body: '' })), 200);
        socket.once('message', (data: Buffer) => {
          clearTimeout(quiet);
          socket.close();
          resolve({ status: 101, body: data.toString('utf8') });
        });
      });
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
    });
  const launch = (origin: string, url: string, window = new URL(url).pathname.split('/')[1]) => bridge(origin, `keeper.launch.${nonceOf(url)}`, window);
  const tokenIn = (answer: { body: string }) => (JSON.parse(answer.body) as { t: string; token: string }).token;

  it('presents a launch link with no token in it; the bridge handshake trades its nonce for the token once, for its own window only', async () => {
    const shell = await start();
    const origin = shell.origin;
    const url = await shell.open('keeper-agent');
    expect(url).toMatch(new RegExp(`^${origin}/keeper-agent/#launch=[\\w-]{43}$`));
    const clientUrl = await shell.open('keeper-client');
    const wrongWindow = await launch(origin, clientUrl, 'keeper-agent');
    const first = await launch(origin, url);
    expect(first.status).toBe(101);
    expect(JSON.parse(first.body)).toEqual({ t: 'token', token: expect.stringMatching(/^[\w-]{43}$/) as string });
    const token = tokenIn(first);
    expect(url).not.toContain(token);
    // With the token, a socket opens and is sent nothing unasked.
    expect(await bridge(origin, `keeper.token.${token}`)).toEqual({ status: 101, body: '' });
    expect(await launch(origin, url)).toEqual({ status: 401, body: 'unknown or already used launch link: open the window again from Keeper\n' });
    // A nonce tried for another window is spent too: a nonce is good for one try.
    expect(wrongWindow).toEqual({ status: 401, body: 'this launch link is for keeper-client, not keeper-agent\n' });
    expect((await launch(origin, clientUrl)).status).toBe(401);
    expect(refusals).toHaveLength(3);
    expect(refusals.join('\n')).not.toContain(nonceOf(url));
  });

  it('presenting a shown window again makes a new link to the same page; closing it kills its links and its token', async () => {
    const shell = await start();
    const origin = shell.origin;
    const first = await shell.open('keeper-client');
    const again = await shell.open('keeper-client');
    const unused = await shell.open('keeper-client');
    expect(again).not.toBe(first);
    const tokens = await Promise.all([first, again].map(async (url) => tokenIn(await launch(origin, url))));
    expect(tokens[1]).toBe(tokens[0]);
    shell.close('keeper-client');
    expect((await bridge(origin, `keeper.token.${tokens[0]}`, 'keeper-client')).status).toBe(401);
    expect((await launch(origin, unused)).status).toBe(401);
  });

  it('answers a bad handshake with its status and reason: no credential, two, a token in the URL, foreign Origin; pages are GET only', async () => {
    const shell = await start();
    const origin = shell.origin;
    const url = await shell.open('keeper-agent');
    const wants = 'the bridge wants the subprotocols keeper.bridge and one window token or launch nonce\n';
    expect(await bridge(origin, 'keeper.other')).toEqual({ status: 401, body: wants });
    const token = tokenIn(await launch(origin, url));
    const two = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${origin.replace('http', 'ws')}/bridge`, ['keeper.bridge', `keeper.token.${token}`, 'keeper.launch.x'], { origin });
      socket.once('open', () => (socket.close(), resolve(101)));
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    expect(two).toBe(401);
    const inUrl = await new Promise<number>((resolve) => {
      const socket = new WebSocket(`${origin.replace('http', 'ws')}/bridge?token=${token}`, { origin });
      socket.once('open', () => (socket.close(), resolve(101)));
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    expect(inUrl).toBe(401);
    const foreign = await bridge(origin, `keeper.token.${token}`, 'keeper-agent', 'https://evil.example');
    expect(foreign).toEqual({ status: 403, body: 'foreign Origin "https://evil.example": only the web shell\'s own pages may do this\n' });
    const post = await fetch(`${origin}/keeper-agent/`, { method: 'POST', headers: { origin } });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect(refusals.every((line) => line.startsWith('web shell refused '))).toBe(true);
    expect(refusals.join('\n')).not.toContain(token);
  });

  it('lets the browser keep hashed build output only; pages, other files and refusals are never stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keeper-shell-assets-'));
    try {
      mkdirSync(join(dir, 'assets'));
      mkdirSync(join(dir, 'keeper-client/src/renderer'), { recursive: true });
      writeFileSync(join(dir, 'keeper-client/src/renderer/index.html'), '<!doctype html>');
      for (const name of ['shared--45yHsbe.js', 'style-Bz_uBmwL.css', 'plain.js', 'shared-short.js']) writeFileSync(join(dir, 'assets', name), '');
      writeFileSync(join(dir, 'top-Bz_uBmwL.js'), '');
      const { origin } = (host = await createWebShellHost({ rendererDir: dir, dispatcherFor: () => new ServiceDispatcher([]) }));
      const cacheOf = async (path: string) => {
        const response = await fetch(`${origin}${path}`);
        return [response.status, response.headers.get('cache-control')];
      };
      const kept = [200, 'private, max-age=31536000, immutable'];
      expect(await cacheOf('/assets/shared--45yHsbe.js')).toEqual(kept);
      expect(await cacheOf('/assets/style-Bz_uBmwL.css')).toEqual(kept);
      for (const path of ['/keeper-client/', '/assets/plain.js', '/assets/shared-short.js', '/top-Bz_uBmwL.js'])
        expect(await cacheOf(path), path).toEqual([200, 'no-store']);
      expect(await cacheOf('/assets/missing-Bz_uBmwL.js')).toEqual([404, 'no-store']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
