import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateCa } from '../../apps/fleet-server/src/pki/ca.ts';
import { SimHttp, type SimTls } from '../../bench/support/simHttp.ts';

/** A server that answers one request per connection, then hangs up while the client keeps it idle. */
describe("the fleet bench's HTTP client", () => {
  const dir = mkdtempSync(join(tmpdir(), 'kpt-simhttp-'));
  let server: tls.Server;
  let url: string;
  let identity: SimTls;
  const served: number[] = [];

  beforeAll(async () => {
    const ca = await loadOrCreateCa(dir);
    const serverCert = await ca.issueServerCert(['127.0.0.1']);
    const client = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicKey = new x509.PublicKey(client.publicKey.export({ type: 'spki', format: 'der' }));
    const clientCert = await ca.issueClientCert('machine-1', publicKey, 3_600_000);
    identity = { caPem: ca.certPem, certPem: clientCert.pem, keyPem: client.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
    let connections = 0;
    server = tls.createServer({ cert: serverCert.certPem, key: serverCert.keyPem }, (socket) => {
      const number = ++connections;
      socket.once('data', () => {
        served.push(number);
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok', () => setTimeout(() => socket.end(), 20));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('does not reuse a keep-alive connection the server closed while it was idle', async () => {
    const http = new SimHttp(url, identity, 1);
    try {
      expect(await http.call('GET', '/health')).toEqual({ status: 200, body: 'ok' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await http.call('GET', '/health')).toEqual({ status: 200, body: 'ok' });
      expect(served).toEqual([1, 2]);
    } finally {
      http.close();
    }
  });
});
