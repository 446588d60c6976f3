import http from 'node:http';
import { isIPv6, type AddressInfo } from 'node:net';

const HOST = '127.0.0.1';

// Node's listen tests the host against its IPv6 pattern (net.js, filterOnlyValidAddress), and the first test
// compiles that large regular expression: ~10 ms of each start, between the socket's listen and the first
// answer. Tested here, in the module's body, it is compiled when the startup snapshot is built, and the blob
// keeps it (docs/benchmarks.md, issue 17, sixth pass). A constant: nothing of the process is read.
isIPv6(HOST);

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
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${HOST}:${bound}/health`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
