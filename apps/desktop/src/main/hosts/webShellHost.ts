import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BehaviorSubject } from 'rxjs';
import { attachWebShellBridge, type WebShellGrant } from '../../../../../shared/bridge/src/main/webShellBridge.ts';
import type { ServiceDispatcher } from '../../../../../shared/bridge/src/main/serviceDispatcher.ts';
import type { WindowId } from '../../../../../shared/bridge/src/common/windows.ts';
import { SECURITY_HEADERS } from '../security/contentSecurityPolicy.ts';
import { launchQuery, type WindowLaunchOptions } from '../windows/catalog.ts';
import { loadRendererAsset } from './rendererAssets.ts';
import type { Presence, WindowHost } from './windowHost.ts';

export interface WebShellHostOptions {
  readonly rendererDir: string;
  /** The services of one page of window `id`; `presence` says whether it is the presented one. */
  readonly dispatcherFor: (id: WindowId, presence: Presence) => ServiceDispatcher;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /**
   * Shows a window's URL to the user (opens a browser, or prints it). `prewarmed`: the URL is a spare
   * that a browser already holds open, which now presents the window; nothing needs opening.
   */
  readonly present?: (id: WindowId, url: string, prewarmed: boolean) => void;
  /**
   * Keep a spare page per pre-warmed window and hand its URL here, for a browser that can keep pages
   * loaded out of sight (a test or benchmark driver). Off by default: an app window of the launcher's
   * Chromium cannot be hidden, so a spare there would be an empty window on the user's screen.
   */
  readonly presentSpare?: (id: WindowId, url: string) => void;
  readonly onProtocolError?: (reason: string) => void;
}

export interface WebShellHost extends WindowHost {
  readonly origin: string;
}

/** One page of a window, known by its token: presented, or a spare waiting to be. */
interface ShellPage {
  readonly id: WindowId;
  readonly url: string;
  readonly grant: WebShellGrant;
  readonly presence: BehaviorSubject<boolean>;
  /** Open bridge connections: a spare helps only while a browser holds it loaded. */
  connections: number;
}

/**
 * The browser host: a loopback HTTP server for the built pages plus the bridge WebSocket. Each
 * page gets a random token; the token decides which services its connection reaches, and its
 * presence whether a prompt window's page is shown prompts.
 * Requests naming another Host are refused, which stops DNS-rebinding pages from reaching it.
 */
export async function createWebShellHost(options: WebShellHostOptions): Promise<WebShellHost> {
  const pages = new Map<string, ShellPage>();
  const presented = new Map<WindowId, ShellPage>();
  const spares = new Map<WindowId, ShellPage>();
  let origin = '';

  const server = http.createServer((req, res) => {
    if (req.headers.host !== new URL(origin).host) {
      res.writeHead(421).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = new URL(req.url ?? '/', origin).pathname;
    void loadRendererAsset(options.rendererDir, path).then((asset) => {
      if (!asset) {
        res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res
        .writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset.contentType, 'cache-control': 'no-store' })
        .end(req.method === 'HEAD' ? undefined : asset.body);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const detachBridge = attachWebShellBridge(
    server,
    () => origin,
    () => [...pages.values()].map((page) => page.grant),
    options.onProtocolError ?? (() => {}),
  );

  const newPage = (id: WindowId, launch: WindowLaunchOptions, presentNow: boolean): ShellPage => {
    const token = randomBytes(32).toString('base64url');
    const presence = new BehaviorSubject(presentNow);
    const page: ShellPage = {
      id,
      url: `${origin}/${id}/${launchQuery(launch)}#token=${token}`,
      presence,
      connections: 0,
      grant: { token, dispatcher: options.dispatcherFor(id, presence), onConnection: (open) => (page.connections += open ? 1 : -1) },
    };
    pages.set(token, page);
    return page;
  };

  const prewarm = (id: WindowId) => {
    if (!options.presentSpare || spares.has(id)) return;
    const spare = newPage(id, {}, false);
    spares.set(id, spare);
    options.presentSpare(id, spare.url);
  };

  return {
    kind: 'web-shell',
    origin,
    open(id: WindowId, launch: WindowLaunchOptions = {}) {
      const shown = presented.get(id);
      if (shown) {
        options.present?.(id, shown.url, false);
        return Promise.resolve(shown.url);
      }
      const spare = spares.get(id);
      if (spare && spare.connections > 0 && launchQuery(launch) === '') {
        spares.delete(id);
        presented.set(id, spare);
        spare.presence.next(true);
        options.present?.(id, spare.url, true);
        prewarm(id);
        return Promise.resolve(spare.url);
      }
      const page = newPage(id, launch, true);
      presented.set(id, page);
      options.present?.(id, page.url, false);
      return Promise.resolve(page.url);
    },
    prewarm,
    close(id: WindowId) {
      const page = presented.get(id);
      if (!page) return;
      // The token stops working and the page, should it stay open in the browser, sees no prompt again.
      presented.delete(id);
      pages.delete(page.grant.token);
      page.presence.next(false);
      page.presence.complete();
    },
    async dispose() {
      detachBridge();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
