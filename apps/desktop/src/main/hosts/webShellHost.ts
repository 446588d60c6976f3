import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachWebShellBridge, type WebShellGrant } from '../../../../../shared/bridge/src/main/webShellBridge.ts';
import type { ServiceDispatcher } from '../../../../../shared/bridge/src/main/serviceDispatcher.ts';
import type { WindowId } from '../../../../../shared/bridge/src/common/windows.ts';
import { SECURITY_HEADERS } from '../security/contentSecurityPolicy.ts';
import { launchQuery, type WindowLaunchOptions } from '../windows/catalog.ts';
import { loadRendererAsset } from './rendererAssets.ts';
import type { WindowHost } from './windowHost.ts';

export interface WebShellHostOptions {
  readonly rendererDir: string;
  readonly dispatcherFor: (id: WindowId) => ServiceDispatcher;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Shows a window's URL to the user (opens a browser, or prints it). */
  readonly present?: (id: WindowId, url: string) => void;
  readonly onProtocolError?: (reason: string) => void;
}

export interface WebShellHost extends WindowHost {
  readonly origin: string;
}

/**
 * The browser host: a loopback HTTP server for the built pages plus the bridge WebSocket. Each
 * window gets a random token per launch; the token decides which services its connection reaches.
 * Requests naming another Host are refused, which stops DNS-rebinding pages from reaching it.
 */
export async function createWebShellHost(options: WebShellHostOptions): Promise<WebShellHost> {
  const grants = new Map<WindowId, WebShellGrant>();
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
    () => [...grants.values()],
    options.onProtocolError ?? (() => {}),
  );

  return {
    kind: 'web-shell',
    origin,
    open(id: WindowId, launch: WindowLaunchOptions = {}) {
      let grant = grants.get(id);
      if (!grant) {
        grant = { token: randomBytes(32).toString('base64url'), dispatcher: options.dispatcherFor(id) };
        grants.set(id, grant);
      }
      const url = `${origin}/${id}/${launchQuery(launch)}#token=${grant.token}`;
      options.present?.(id, url);
      return Promise.resolve(url);
    },
    close(id: WindowId) {
      grants.delete(id);
    },
    async dispose() {
      detachBridge();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
