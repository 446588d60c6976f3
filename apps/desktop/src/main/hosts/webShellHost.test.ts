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
  const exchange = (origin: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${origin}/bootstrap`, { method: 'POST', headers: { origin, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const upgrade = (origin: string, token: string) =>
    new Promise<number>((resolve) => {
      const socket = new WebSocket(`${origin.replace('http', 'ws')}/bridge?token=${encodeURIComponent(token)}`, { origin });
      socket.once('open', () => {
        socket.close();
        resolve(101);
      });
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });

  it('presents a launch link with no token in it; its nonce is traded for the token once, for its own window only', async () => {
    const shell = await start();
    const origin = shell.origin;
    const url = await shell.open('keeper-agent');
    expect(url).toMatch(new RegExp(`^${origin}/keeper-agent/#launch=[\\w-]{43}$`));
    const clientUrl = await shell.open('keeper-client');
    const wrongWindow = await exchange(origin, { window: 'keeper-agent', nonce: nonceOf(clientUrl) });
    const first = await exchange(origin, { window: 'keeper-agent', nonce: nonceOf(url) });
    expect(first.status).toBe(200);
    const { token } = (await first.json()) as { token: string };
    expect(url).not.toContain(token);
    expect(await upgrade(origin, token)).toBe(101);
    const second = await exchange(origin, { window: 'keeper-agent', nonce: nonceOf(url) });
    expect([second.status, await second.text()]).toEqual([401, 'unknown or already used launch link: open the window again from Keeper\n']);
    // A nonce tried for another window is spent too: a nonce is good for one try.
    expect([wrongWindow.status, await wrongWindow.text()]).toEqual([401, 'this launch link is for keeper-client, not keeper-agent\n']);
    expect((await exchange(origin, { window: 'keeper-client', nonce: nonceOf(clientUrl) })).status).toBe(401);
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
    const tokens = await Promise.all(
      [first, again].map(async (url) => ((await (await exchange(origin, { window: 'keeper-client', nonce: nonceOf(url) })).json()) as { token: string }).token),
    );
    expect(tokens[1]).toBe(tokens[0]);
    shell.close('keeper-client');
    expect(await upgrade(origin, tokens[0]!)).toBe(401);
    expect((await exchange(origin, { window: 'keeper-client', nonce: nonceOf(unused) })).status).toBe(401);
  });

  it('answers a bad exchange with its status and reason: malformed, too large, not a POST, foreign Origin', async () => {
    const { origin } = await start();
    expect((await exchange(origin, { nonce: 'x' })).status).toBe(400);
    expect((await exchange(origin, { window: 'keeper-agent', nonce: 'x'.repeat(2000) })).status).toBe(413);
    expect((await fetch(`${origin}/bootstrap`, { headers: { origin } })).status).toBe(405);
    const foreign = await exchange(origin, { window: 'keeper-agent', nonce: 'x' }, { origin: 'https://evil.example' });
    expect([foreign.status, await foreign.text()]).toEqual([403, 'foreign Origin "https://evil.example": only the web shell\'s own pages may do this\n']);
    expect(refusals.every((line) => line.startsWith('web shell refused '))).toBe(true);
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
