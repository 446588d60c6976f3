import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusRequest, ElevationRequest, PolicyExplain, PromptRespond } from '../../shared/protocol/src/common/index.ts';
import { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, makeSandbox, startAgent, type AgentProcess } from '../support/agentProcess.ts';

/** Reads the first JSON-RPC frame the agent sends on a raw connection, or null if it just hangs up. */
function firstFrame(socket: net.Socket): Promise<{ error?: { code: number; message: string } } | null> {
  return new Promise((resolve) => {
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('close', () => {
      const body = data.split('\r\n\r\n')[1];
      resolve(body ? (JSON.parse(body) as { error?: { code: number; message: string } }) : null);
    });
  });
}

describe('socket limits: connections, requests in flight, handshake timeout, rate limits', () => {
  const sandbox = makeSandbox();
  let agent: AgentProcess;
  /**
   * A client once the agent serves one: a test that filled the per-user cap closes its clients, and
   * the agent learns of those closes a moment later, so the next test's first connect may still be refused.
   */
  const servedClient = async () => {
    let client: AgentClient | undefined;
    await expect
      .poll(async () => {
        client = await connectClient(sandbox.socket).catch(() => undefined);
        return client !== undefined;
      })
      .toBe(true);
    return client!;
  };

  beforeAll(async () => {
    const config = join(sandbox.dir, 'agent.json');
    writeFileSync(
      config,
      JSON.stringify({
        limits: {
          maxConnections: 6,
          maxConnectionsPerUser: 4,
          maxPendingRequests: 2,
          handshakeTimeoutMs: 500,
          promptAnswersPer10s: 3,
          elevationRequestsPer10s: 5,
          policyChecksBurst: 3,
        },
      }),
    );
    agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: ['--config', config] });
  });

  afterAll(async () => {
    await agent?.stop();
    sandbox.cleanup();
  });

  it('closes a connection that never says session.hello', async () => {
    const socket = net.createConnection(sandbox.socket);
    const started = Date.now();
    expect(await firstFrame(socket)).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('refuses connections beyond the per-user cap with a clear error, and serves again when one closes', async () => {
    const clients = await Promise.all([1, 2, 3, 4].map(() => connectClient(sandbox.socket)));
    const extra = net.createConnection(sandbox.socket);
    expect((await firstFrame(extra))?.error).toEqual({ code: -33009, message: 'this user already has 4 connections open' });
    clients.pop()!.close();
    (await servedClient()).close();
    for (const c of clients) c.close();
  });

  it('rate-limits prompt answers and elevation requests per connection', async () => {
    const client = await servedClient();
    try {
      // A CLI connection may not answer prompts (Unauthorized): the limit counts the attempts all the same.
      const answer = () => client.request(PromptRespond, { promptId: 'no-such-prompt', response: { kind: 'cancel' } }).catch((e: { code: number }) => e.code);
      expect(await Promise.all([answer(), answer(), answer(), answer()])).toEqual([-33001, -33001, -33001, -33004]);
      const ask = () =>
        client.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: '/' }).then(
          () => 'ok',
          (e: { code: number }) => e.code,
        );
      const results = [];
      for (let i = 0; i < 6; i++) results.push(await ask());
      expect(results).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', -33004]);
      expect((await client.request(AgentStatusRequest, undefined)).version).toBeTruthy();
    } finally {
      client.close();
    }
  });

  it('limits policy checks per user across connections (limits.policyChecksBurst, then one a second)', async () => {
    const first = await servedClient();
    const second = await servedClient();
    try {
      const explain = (client: AgentClient) =>
        client.request(PolicyExplain, { executable: '/usr/bin/true', arguments: [], cwd: '/' }).then(
          () => 'ok',
          (e: { code: number; data?: { reasonDetail?: { code: string } } }) => e.data?.reasonDetail?.code ?? e.code,
        );
      const started = performance.now();
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await explain(first));
      expect(answers).toEqual(['ok', 'ok', 'ok']);
      // The other connection shares the user's budget: refused once it is spent, give or take the one
      // check a second that comes back while these run.
      let allowedMore = 0;
      let refusal: string | number = 'ok';
      while (allowedMore < 20 && (refusal = await explain(second)) === 'ok') allowedMore++;
      expect(refusal).toBe('explain-rate-limited');
      expect(allowedMore).toBeLessThanOrEqual(Math.ceil((performance.now() - started) / 1_000));
    } finally {
      first.close();
      second.close();
    }
  });

  it('answers requests beyond the in-flight cap with TooManyRequests instead of queueing them', async () => {
    const big = join(sandbox.dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(96 * 1024 * 1024, 1));
    const client = await servedClient();
    try {
      const ask = () =>
        client.request(ElevationRequest, { executable: big, arguments: [], cwd: '/' }).then(
          () => 'ok',
          (e: { code: number }) => e.code,
        );
      const results = await Promise.all([ask(), ask(), ask()]);
      expect(results.filter((r) => r === 'ok')).toHaveLength(2);
      expect(results).toContain(-33009);
    } finally {
      client.close();
    }
  });

  it('refuses connections beyond the agent-wide cap', async () => {
    const held = await Promise.all([1, 2, 3, 4].map(() => AgentClient.connect(sandbox.socket)));
    // These two, refused by the per-user cap but never read, stay half-open and counted. A Unix socket's
    // connect queues at once and the agent accepts in that order, so the seventh comes after them: no wait.
    const others = [net.createConnection(sandbox.socket), net.createConnection(sandbox.socket)];
    const extra = net.createConnection(sandbox.socket);
    expect((await firstFrame(extra))?.error?.message).toBe('the agent already serves 6 connections');
    for (const c of held) c.close();
    for (const s of others) s.destroy();
  });
});
