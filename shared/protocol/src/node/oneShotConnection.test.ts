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
});
