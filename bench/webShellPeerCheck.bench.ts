/**
 * The web shell's peer-uid check (webShellAdmission → loopbackPeerUid): what it adds to each new
 * loopback connection. A local HTTP server answers each request after admission, with the check on
 * (this process's uid) and off (null), over fresh connections (no keep-alive), one at a time and in
 * bursts of six (what Chromium opens when it loads a page).
 *
 *   node bench/webShellPeerCheck.bench.ts [--rounds=40]
 *
 * Plain Node script (not a vitest file). Results are in docs/benchmarks.md.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { webShellAdmission } from '../shared/bridge/src/main/webShellAdmission.ts';

const rounds = Number(/^--rounds=(\d+)$/.exec(process.argv[2] ?? '')?.[1] ?? 40);

async function perConnection(uid: number | null, burst: number): Promise<number> {
  const server = http.createServer((req, res) => {
    void admit(req, false).then((refusal) => res.writeHead(refusal ? refusal.status : 200, { connection: 'close' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const admit = webShellAdmission({ port, uid });
  const agent = new http.Agent({ keepAlive: false });
  const one = () =>
    new Promise<number>((resolve) =>
      http.get({ host: '127.0.0.1', port, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      }),
    );
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const statuses = await Promise.all(Array.from({ length: burst }, one));
    if (statuses.some((status) => status !== 200)) throw new Error(`refused: ${statuses.join(', ')}`);
  }
  const ms = (performance.now() - started) / (rounds * burst);
  server.close();
  return ms;
}

const sockets = readFileSync('/proc/net/tcp', 'latin1').split('\n').length - 2;
console.log(`load average ${loadavg()[0]!.toFixed(1)}, ${sockets} IPv4 sockets in /proc/net/tcp, ${rounds} rounds`);
for (const burst of [1, 6]) {
  const off = await perConnection(null, burst);
  const on = await perConnection(process.getuid!(), burst);
  console.log(`burst ${burst}: ${off.toFixed(2)} ms/connection without the check, ${on.toFixed(2)} with it (+${(on - off).toFixed(2)})`);
}
