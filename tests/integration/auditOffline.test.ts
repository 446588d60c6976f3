import dgram from 'node:dgram';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentSetOnline,
  AgentStatusRequest,
  AuditQuery,
  ElevationRequest,
  PromptRespond,
  PromptShowNotification,
  type PromptShow,
} from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, makeSandbox, startAgent } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, settledState } from '../support/policyFixtures.ts';

/** Event ids found in RFC 5424 messages (`id="…"` in our structured data). */
const idsIn = (messages: readonly string[]) => messages.map((m) => /\[keeper@32473 id="([^"]+)"/.exec(m)?.[1]);

describe('audit outbox and offline mode (real agent, real UDP/TCP syslog receivers, JSON-lines file)', () => {
  const sandbox = policyAgentSandbox();
  const jsonl = join(sandbox.dir, 'audit.jsonl');
  const udpMessages: string[] = [];
  const tcpMessages: string[] = [];
  let udp: dgram.Socket;
  let tcp: net.Server;
  let client: AgentClient;
  const prompts: PromptShow[] = [];
  const ask = (executable: string) => client.request(ElevationRequest, { executable, arguments: [], cwd: '/' });
  const fileIds = () =>
    existsSync(jsonl)
      ? readFileSync(jsonl, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { id: string }).id)
      : [];
  const allEvents = async () => (await client.request(AuditQuery, { limit: 1000 })).events;
  const connect = async () => {
    client = await connectClient(sandbox.socket, 'desktop');
    client.onNotification(PromptShowNotification, (p) => prompts.push(p));
  };

  beforeAll(async () => {
    udp = dgram.createSocket('udp4');
    udp.on('message', (m) => udpMessages.push(m.toString()));
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    let buffered = '';
    tcp = net.createServer((socket) =>
      socket.on('data', (chunk) => {
        buffered += chunk.toString();
        for (let m = /^(\d+) /.exec(buffered); m && buffered.length >= m[0].length + Number(m[1]); m = /^(\d+) /.exec(buffered)) {
          tcpMessages.push(buffered.slice(m[0].length, m[0].length + Number(m[1])));
          buffered = buffered.slice(m[0].length + Number(m[1]));
        }
      }),
    );
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
    // TCP syslog gets its own agent in the last test; one sink per transport keeps the counts exact.
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true', 'col-false': '/usr/bin/false', 'col-id': '/usr/bin/id' },
      policies: [
        appPolicy('pol-justify', 'col-true', ['JUSTIFY']),
        appPolicy('pol-mfa', 'col-false', ['MFA']),
        appPolicy('pol-approval', 'col-id', ['APPROVAL']),
      ],
      config: {
        audit: { jsonl, syslog: { host: '127.0.0.1', port: udp.address().port, protocol: 'udp' } },
        approvals: { administrators: { users: ['root'] } },
      },
      extra: ['--offline'],
    });
    await connect();
  });

  afterAll(async () => {
    client?.close();
    await sandbox.dispose();
    udp?.close();
    tcp?.close();
  });

  it('offline: justification passes (and says it is cached), MFA and approval block with the reason', async () => {
    expect((await client.request(AgentStatusRequest, undefined)).online).toBe(false);
    const justified = await ask('/usr/bin/true');
    await expect.poll(() => prompts.length).toBe(1);
    expect(prompts[0]!.justification?.offline).toBe(true);
    await client.request(PromptRespond, { promptId: prompts[0]!.promptId, response: { kind: 'justification', text: 'Working from the train today' } });
    expect((await settledState(client, justified.requestId)).state).toBe('allowed');
    for (const [path, control] of [
      ['/usr/bin/false', 'MFA'],
      ['/usr/bin/id', 'APPROVAL'],
    ] as const) {
      const blocked = await ask(path);
      expect(blocked.state).toBe('denied');
      expect(blocked.decision.reason).toBe(`The agent is offline, and ${control} needs a network connection.`);
    }
    const events = await allEvents();
    expect(events.find((e) => e.type === 'control.passed')?.data).toMatchObject({ justification: 'Working from the train today', offline: true });
  });

  it('queues every audit event while offline; nothing reaches the sinks', async () => {
    const events = await allEvents();
    expect(events.length).toBeGreaterThan(3);
    expect(events.every((e) => e.deliveredAt === null)).toBe(true);
    // That nothing reaches them later either, the next case proves by when each event was delivered.
    expect(fileIds()).toEqual([]);
    expect(udpMessages).toEqual([]);
  });

  it('on reconnect, delivers the backlog exactly once to every sink, in order, and not before', async () => {
    expect(await client.request(AgentSetOnline, { online: true })).toEqual({ online: true });
    const all = await allEvents();
    const expected = all.map((e) => e.id);
    await expect.poll(() => fileIds().length, { timeout: 5_000 }).toBe(expected.length);
    expect(fileIds()).toEqual(expected);
    await expect.poll(() => udpMessages.length, { timeout: 5_000 }).toBe(expected.length);
    expect(idsIn(udpMessages)).toEqual(expected);
    expect(udpMessages[0]).toMatch(/^<10[6-9]>1 \d{4}-\d\d-\d\dT[\d:.]+Z \S+ keeper-agent \d+ \S+ \[keeper@32473 /);
    await expect.poll(async () => (await allEvents()).every((e) => e.deliveredAt !== null)).toBe(true);
    // The switch is audited while still offline; an event every sink took before it was delivered offline.
    const switched = Date.parse(all.find((e) => e.type === 'backend.online')!.at);
    expect((await allEvents()).filter((e) => Date.parse(e.deliveredAt!) < switched)).toEqual([]);
  });

  it('kill -9 and restart: queued events are delivered once, none twice', async () => {
    await client.request(AgentSetOnline, { online: false });
    await ask('/usr/bin/false');
    client.close();
    await sandbox.agent.kill();
    await sandbox.restart({ extra: [] });
    await connect();
    const expected = (await allEvents()).map((e) => e.id);
    await expect.poll(() => fileIds().length, { timeout: 5_000 }).toBe(expected.length);
    expect(fileIds()).toEqual(expected);
    expect(new Set(fileIds()).size).toBe(expected.length);
  });

  it('syslog over TCP uses RFC 6587 octet counting', async () => {
    const tcpConfig = join(sandbox.dir, 'tcp.json');
    writeFileSync(tcpConfig, JSON.stringify({ audit: { syslog: { host: '127.0.0.1', port: (tcp.address() as AddressInfo).port, protocol: 'tcp' } } }));
    const other = makeSandbox();
    const second = await startAgent({ socket: other.socket, dataDir: other.dataDir, extra: ['--policies', sandbox.policiesDir, '--config', tcpConfig] });
    const c = await connectClient(other.socket);
    try {
      await c.request(ElevationRequest, { executable: '/usr/bin/false', arguments: [], cwd: '/' });
      await expect.poll(() => tcpMessages.some((m) => m.includes('elevation.decided')), { timeout: 5_000 }).toBe(true);
      expect(tcpMessages.every((m) => /^<\d+>1 /.test(m))).toBe(true);
    } finally {
      c.close();
      await second.stop();
      other.cleanup();
    }
  });
});
