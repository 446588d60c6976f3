import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where the health endpoint listens (runtime/startWarmup.ts tests it once while the startup snapshot is built). */
export const HEALTH_HOST = '127.0.0.1';

export interface HealthReport {
  readonly healthy: boolean;
  readonly version: string;
}

/**
 * `GET /health` on loopback for monitoring tools, in the Keeper agent's shape:
 * `{"status":"healthy","timestamp":"…","version":"…"}` (503 and "unhealthy" when a plugin failed).
 */
export async function startHealthServer({
  port,
  report,
  now,
}: {
  port: number;
  report: () => HealthReport;
  now: () => Date;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path !== '/health') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' }).end(JSON.stringify({ error: 'method not allowed' }));
      return;
    }
    const { healthy, version } = report();
    const body = JSON.stringify({ status: healthy ? 'healthy' : 'unhealthy', timestamp: now().toISOString(), version });
    res.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
  });
  server.requestTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HEALTH_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${HEALTH_HOST}:${bound}/health`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
