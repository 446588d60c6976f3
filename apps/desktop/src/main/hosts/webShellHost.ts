import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BehaviorSubject } from 'rxjs';
import { attachWebShellBridge, type WebShellGrant } from '../../../../../shared/bridge/src/main/webShellBridge.ts';
import { admittedUid, webShellAdmission, type Refusal } from '../../../../../shared/bridge/src/main/webShellAdmission.ts';
import { LAUNCH_PARAM } from '../../../../../shared/bridge/src/common/webShellLaunch.ts';
import type { ServiceDispatcher } from '../../../../../shared/bridge/src/main/serviceDispatcher.ts';
import type { WindowId } from '../../../../../shared/bridge/src/common/windows.ts';
import { SECURITY_HEADERS } from '../security/contentSecurityPolicy.ts';
import { launchQuery, type WindowLaunchOptions } from '../windows/catalog.ts';
import { loadRendererAsset } from './rendererAssets.ts';
import type { Presence, WindowHost } from './windowHost.ts';

/** For hashed build output only: this user's browser may keep it; no proxy sits between (127.0.0.1). */
const IMMUTABLE = 'private, max-age=31536000, immutable';

export interface WebShellHostOptions {
  readonly rendererDir: string;
  /** The services of one page of window `id`; `presence` says whether it is the presented one. */
  readonly dispatcherFor: (id: WindowId, presence: Presence) => ServiceDispatcher;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /**
   * Shows a window's one-time launch link to the user (opens a browser, or prints it). `prewarmed`:
   * the link is a spare's, which a browser already holds open and now presents the window; nothing
   * needs opening.
   */
  readonly present?: (id: WindowId, url: string, prewarmed: boolean) => void;
  /**
   * Keep a spare page per pre-warmed window and hand its URL here, for a browser that can keep pages
   * loaded out of sight (a test or benchmark driver). Off by default: an app window of the launcher's
   * Chromium cannot be hidden, so a spare there would be an empty window on the user's screen.
   */
  readonly presentSpare?: (id: WindowId, url: string) => void;
  readonly onProtocolError?: (reason: string) => void;
  /** Told of every request the shell turns away (a line for the launcher's log; never a secret). */
  readonly onRefusal?: (line: string) => void;
  /** The only uid that may connect (Linux); the launcher's own unless told (null: no check). */
  readonly uid?: number | null;
}

export interface WebShellHost extends WindowHost {
  readonly origin: string;
}

/** One page of a window, known by its token: presented, or a spare waiting to be. */
interface ShellPage {
  readonly id: WindowId;
  /** Its launch options as the page's query (`?lng=…`), the same in every launch link of it. */
  readonly query: string;
  /** The launch link it was first presented (or kept as a spare) with. */
  url: string;
  readonly grant: WebShellGrant;
  readonly presence: BehaviorSubject<boolean>;
  /** Open bridge connections: a spare helps only while a browser holds it loaded. */
  connections: number;
}

/**
 * The browser host: a loopback HTTP server for the built pages plus the bridge WebSocket. Each
 * page gets a random token; the token decides which services its connection reaches, and its
 * presence whether a prompt window's page is shown prompts. The token is never in a URL: the shell
 * presents one-time launch links (`/<window>/#launch=<nonce>`), and the page trades the nonce for
 * the token in the handshake of its bridge socket on first load (webShellBridge), so a link seen in
 * a command line or history is dead. Every request passes webShellAdmission (Host, Origin, the peer's uid).
 */
export async function createWebShellHost(options: WebShellHostOptions): Promise<WebShellHost> {
  const pages = new Map<string, ShellPage>();
  /** Live launch nonces: each is traded for its page's token once, then forgotten. */
  const launches = new Map<string, ShellPage>();
  const presented = new Map<WindowId, ShellPage>();
  const spares = new Map<WindowId, ShellPage>();
  let origin = '';
  let admit: ReturnType<typeof webShellAdmission> = () => Promise.resolve({ status: 503, message: 'starting' });

  const refused = (refusal: Refusal, req: http.IncomingMessage) => {
    // The path only: a query or fragment could hold a secret.
    const path = (req.url ?? '/').split(/[?#]/)[0]!.slice(0, 200);
    options.onRefusal?.(
      `web shell refused ${req.method ?? '?'} ${path} from ${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}: ${refusal.status} ${refusal.message}`,
    );
  };
  const answer = (res: http.ServerResponse, refusal: Refusal) =>
    res
      .writeHead(refusal.status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
      .end(`${refusal.message}\n`);

  /** A launch nonce for its page's grant, once: spent on any attempt, right or wrong window. */
  const redeem = (nonce: string, window: string): WebShellGrant | Refusal => {
    const page = launches.get(nonce);
    launches.delete(nonce);
    if (!page || !pages.has(page.grant.token)) return { status: 401, message: 'unknown or already used launch link: open the window again from Keeper' };
    if (page.id !== window) return { status: 401, message: `this launch link is for ${page.id}, not ${window.slice(0, 80)}` };
    return page.grant;
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const refusal = (await admit(req, false)) ?? (req.method !== 'GET' && req.method !== 'HEAD' ? { status: 405, message: 'only GET and HEAD here' } : null);
    if (refusal) {
      refused(refusal, req);
      if (refusal.status === 405) res.setHeader('allow', 'GET, HEAD');
      return answer(res, refusal);
    }
    const asset = await loadRendererAsset(options.rendererDir, new URL(req.url ?? '/', origin).pathname);
    if (!asset) return answer(res, { status: 404, message: 'not found' });
    res
      // Hashed build output may be kept (Chromium then also keeps its compiled code); pages never are.
      .writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset.contentType, 'cache-control': asset.immutable ? IMMUTABLE : 'no-store' })
      .end(req.method === 'HEAD' ? undefined : asset.body);
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      const failure = { status: 500, message: 'internal error' };
      refused(failure, req);
      if (!res.headersSent) answer(res, failure);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  admit = webShellAdmission({ port, uid: options.uid === undefined ? admittedUid() : options.uid });
  const detachBridge = attachWebShellBridge(
    server,
    () => origin,
    () => [...pages.values()].map((page) => page.grant),
    {
      admit: (req, needsOrigin) => admit(req, needsOrigin),
      redeem,
      onRefusal: refused,
      onProtocolError: options.onProtocolError ?? (() => {}),
    },
  );

  /** A fresh one-time link to `page` (a second tab of a presented window joins the same page). */
  const launchLink = (page: ShellPage): string => {
    const nonce = randomBytes(32).toString('base64url');
    launches.set(nonce, page);
    return `${origin}/${page.id}/${page.query}#${LAUNCH_PARAM}=${nonce}`;
  };
  const forget = (page: ShellPage) => {
    pages.delete(page.grant.token);
    for (const [nonce, owner] of launches) if (owner === page) launches.delete(nonce);
  };

  const newPage = (id: WindowId, launch: WindowLaunchOptions, presentNow: boolean): ShellPage => {
    const token = randomBytes(32).toString('base64url');
    const presence = new BehaviorSubject(presentNow);
    const page: ShellPage = {
      id,
      query: launchQuery(launch),
      url: '',
      presence,
      connections: 0,
      grant: { token, dispatcher: options.dispatcherFor(id, presence), onConnection: (open) => (page.connections += open ? 1 : -1) },
    };
    pages.set(token, page);
    page.url = launchLink(page);
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
        const again = launchLink(shown);
        options.present?.(id, again, false);
        return Promise.resolve(again);
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
      forget(page);
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
