import { createServer, type IncomingMessage, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { BRIDGE_PATH, BRIDGE_PROTOCOL, LAUNCH_PROTOCOL_PREFIX } from '../common/webShellLaunch.ts';
import type { ServiceDispatcher } from './serviceDispatcher.ts';
import { attachWebShellBridge, type WebShellGrant } from './webShellBridge.ts';
import type { Refusal } from './webShellAdmission.ts';

const GRANT: WebShellGrant = { token: 't'.repeat(43), dispatcher: {} as ServiceDispatcher };

describe('attachWebShellBridge: the launch nonce', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  /** A shell whose admission runs `admit` and whose `redeem` records each nonce it is asked to spend. */
  const shell = async (admit: (req: IncomingMessage) => Promise<Refusal | null>) => {
    const spent: string[] = [];
    server = createServer();
    attachWebShellBridge(
      server,
      () => `http://127.0.0.1:${(server!.address() as AddressInfo).port}`,
      () => [GRANT],
      {
        admit,
        redeem: (nonce) => (spent.push(nonce), GRANT),
        onRefusal: () => undefined,
        onProtocolError: () => undefined,
      },
    );
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const open = () =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${(server!.address() as AddressInfo).port}${BRIDGE_PATH}?window=w`, [
          BRIDGE_PROTOCOL,
          `${LAUNCH_PROTOCOL_PREFIX}n1`,
        ]);
        ws.on('message', (data: Buffer) => (resolve(data.toString('utf8')), ws.close()));
        ws.on('error', () => resolve('error'));
        ws.on('close', () => resolve('closed'));
      });
    return { spent, open };
  };

  it('is not spent when the connection died while it was being checked, so the page can try again', async () => {
    let admissions = 0;
    const { spent, open } = await shell(async (req) => {
      // The first try's client is gone by the time the (asynchronous) peer check answers.
      if (++admissions === 1) req.socket.destroy();
      return Promise.resolve(null);
    });
    expect(await open()).toMatch(/error|closed/);
    expect(spent).toEqual([]);
    expect(JSON.parse(await open())).toEqual({ t: 'token', token: GRANT.token });
    expect(spent).toEqual(['n1']);
  });

  it('is not spent when the client closed its end while it was being checked (a page gone, or a send-then-close)', async () => {
    let admitted!: () => void;
    const checked = new Promise<void>((resolve) => (admitted = resolve));
    const { spent } = await shell(async (req) => {
      // The peer check answers only once the client's FIN has arrived.
      for (let i = 0; i < 200 && !req.socket.readableEnded && req.socket.writable; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      setImmediate(admitted);
      return null;
    });
    const client = net.connect((server!.address() as AddressInfo).port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    client.end(
      [
        `GET ${BRIDGE_PATH}?window=w HTTP/1.1`,
        'Host: 127.0.0.1',
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        `Sec-WebSocket-Protocol: ${BRIDGE_PROTOCOL}, ${LAUNCH_PROTOCOL_PREFIX}n1`,
        '',
        '',
      ].join('\r\n'),
    );
    await checked;
    expect(spent).toEqual([]);
    client.destroy();
  });
});
