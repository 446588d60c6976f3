import { describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { PromptClosedNotification } from '../../../../shared/protocol/src/common/index.ts';
import { createLogger } from '../log/logger.ts';
import type { ConnectionContext } from './agentConnection.ts';
import { ConnectionRegistry } from './connectionRegistry.ts';
import { Notifier } from './notifier.ts';

type Send = (method: string, params: unknown) => Promise<void>;

function client(uid: number, kind: 'desktop' | 'cli' | null, send: Send, verified = true): ConnectionContext {
  return {
    connectionId: `c${uid}-${kind}`,
    peer: { uid, gid: uid, pid: 1, userName: null },
    connection: { sendNotification: send } as unknown as MessageConnection,
    session:
      kind === null
        ? null
        : {
            sessionId: 's',
            clientKind: kind,
            ...(kind === 'desktop' ? { desktop: verified ? { verified: true, session: '1' } : { verified: false, reason: 'no-session' } } : {}),
          },
  };
}

function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger('Debug', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const registry = new ConnectionRegistry();
  const sent: Array<{ to: string; method: string }> = [];
  const recording =
    (to: string): Send =>
    (method) => (sent.push({ to, method }), Promise.resolve());
  return { registry, notifier: new Notifier({ registry, log }), lines, sent, recording };
}

const closed = { promptId: 'p1', reason: 'answered' } as const;

describe('Notifier', () => {
  it('resolves each audience against the open connections', () => {
    const { registry, notifier, sent, recording } = setup();
    registry.add(client(1000, 'desktop', recording('alice desktop')));
    registry.add(client(1000, 'desktop', recording('alice unverified desktop'), false));
    registry.add(client(1000, 'cli', recording('alice cli')));
    registry.add(client(1001, 'desktop', recording('bob desktop')));
    registry.add(client(1002, null, recording('no handshake yet')));
    const to = (audience: Parameters<Notifier['send']>[0]) => {
      sent.length = 0;
      notifier.send(audience, PromptClosedNotification, closed);
      return sent.map((s) => s.to);
    };
    expect(to({ to: 'userDesktops', uid: 1000 })).toEqual(['alice desktop']);
    expect(to({ to: 'user', uid: 1000 })).toEqual(['alice desktop', 'alice unverified desktop', 'alice cli']);
    expect(to({ to: 'desktopClients' })).toEqual(['alice desktop', 'alice unverified desktop', 'bob desktop']);
    expect(to({ to: 'sessions' })).toHaveLength(4);
    expect(sent.every((s) => s.method === 'prompt.closed')).toBe(true);
  });

  it('sends nothing malformed: a payload that fails its schema is logged as an error and not sent', () => {
    const { registry, notifier, lines, sent, recording } = setup();
    registry.add(client(1000, 'desktop', recording('alice')));
    const bad = { promptId: 'p1', reason: 'bored' } as unknown as typeof closed;
    expect(notifier.send({ to: 'userDesktops', uid: 1000 }, PromptClosedNotification, bad)).toBe(0);
    expect(sent).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, method: 'prompt.closed', issues: ['reason'] }));
  });

  it('a connection that is gone, or fails while sending, is logged at debug and does not stop the others', async () => {
    const { registry, notifier, lines, sent, recording } = setup();
    registry.add(
      client(1000, 'desktop', () => {
        throw new Error('Connection is disposed.');
      }),
    );
    registry.add(client(1000, 'desktop', () => Promise.reject(new Error('write EPIPE'))));
    registry.add(client(1000, 'desktop', recording('alive')));
    expect(notifier.send({ to: 'userDesktops', uid: 1000 }, PromptClosedNotification, closed)).toBe(3);
    expect(sent.map((s) => s.to)).toEqual(['alive']);
    await expect
      .poll(() => lines.filter((l) => l['msg'] === 'notification not delivered').map((l) => [l['level'], l['err']]))
      .toEqual([
        [20, 'Connection is disposed.'],
        [20, 'write EPIPE'],
      ]);
  });
});
