import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentStatusRequest, ElevationUpdated } from '../common/index.ts';
import { AgentClient } from './agentClient.ts';

/** A peer that is not the agent: it answers the first frame it gets with the given bytes. */
describe('AgentClient against a peer that breaks the framing', () => {
  let dir: string;
  let server: net.Server;
  let path: string;
  let answer: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keeper-client-'));
    path = join(dir, 'agent.sock');
    server = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.once('data', () => socket.write(answer));
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
  });

  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails the pending call and closes at once, instead of waiting out the timeout', async () => {
    answer = `Content-Length: ${(1 << 20) + 1}\r\n\r\n`;
    const client = await AgentClient.connect(path);
    const reasons: string[] = [];
    client.onClose((reason) => reasons.push(reason));
    const started = performance.now();
    await expect(client.request(AgentStatusRequest, undefined, 10_000)).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(client.isClosed).toBe(true);
    expect(reasons).toEqual(['the agent sent an invalid frame: frame of 1048577 bytes exceeds the 1048576-byte limit']);
  });

  it('times out a call the peer never answers, with the method and the time in the error', async () => {
    answer = '';
    const client = await AgentClient.connect(path);
    try {
      await expect(client.request(AgentStatusRequest, undefined, 50)).rejects.toThrow('agent.status timed out after 50 ms');
      expect(client.isClosed).toBe(false);
    } finally {
      client.close();
    }
  });

  it('hands a notification to every handler of its method, and stops with each one disposed', async () => {
    const update = { requestId: 'r-1', state: 'pending', reason: '', currentControl: null, passed: [], updatedAt: new Date(0).toISOString() };
    const body = JSON.stringify({ jsonrpc: '2.0', method: ElevationUpdated.method, params: update });
    answer = `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`.repeat(2);
    const client = await AgentClient.connect(path);
    try {
      const seen: string[] = [];
      client.onNotification(ElevationUpdated, (u) => seen.push(`runner ${u.requestId}`));
      const second = client.onNotification(ElevationUpdated, (u) => {
        seen.push(`history ${u.requestId}`);
        second.dispose();
      });
      void client.request(AgentStatusRequest, undefined, 2_000).catch(() => {});
      await expect.poll(() => seen).toEqual(['runner r-1', 'history r-1', 'runner r-1']);
    } finally {
      client.close();
    }
  });
});
