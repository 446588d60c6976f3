import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OneShotConnection } from './oneShotConnection.ts';

describe('OneShotConnection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kpt-oneshot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('tells a close listener added after the connection closed, once, with the reason; a disposed one is not told', async () => {
    const socket = join(dir, 'agent.sock');
    // An agent that hangs up at once.
    const server = net.createServer((peer) => peer.destroy());
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    const connection = await OneShotConnection.connect(socket);
    await new Promise<void>((resolve) => connection.onClose(() => resolve()));
    expect(connection.isClosed).toBe(true);
    const told: string[] = [];
    connection.onClose((reason) => told.push(reason));
    connection.onClose((reason) => told.push(`disposed: ${reason}`)).dispose();
    await Promise.resolve();
    expect(told).toEqual(['socket closed']);
    server.close();
  });

  it('holds the notifications of the held methods until release, then hands them over in the order they came', async () => {
    const socket = join(dir, 'notifying.sock');
    const frame = (method: string, params: unknown) => {
      const body = JSON.stringify({ jsonrpc: '2.0', method, params });
      return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    // An agent that says four things at once, then one more when asked (any request).
    const server = net.createServer((peer) => {
      peer.write(frame('a', 1) + frame('other', 2) + frame('b', 3) + frame('a', 4));
      peer.on('data', () => peer.write(frame('a', 5)));
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    const connection = await OneShotConnection.connect(socket);
    const held = connection.hold(['a', 'b']);
    const seen: string[] = [];
    connection.onNotification('other', (raw) => seen.push(`other ${String(raw)}`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual(['other 2']);
    for (const method of ['a', 'b']) connection.onNotification(method, (raw) => seen.push(`${method} ${String(raw)}`));
    held.release();
    expect(seen).toEqual(['other 2', 'a 1', 'b 3', 'a 4']);
    // Released: what comes next goes straight to the handlers.
    void connection.send('ping', {}).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toEqual(['other 2', 'a 1', 'b 3', 'a 4', 'a 5']);
    connection.close();
    server.close();
  });
});
