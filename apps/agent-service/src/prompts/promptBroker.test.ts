import { describe, expect, it } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import type { AuditEvent, AuditLog } from '../audit/auditLog.ts';
import type { ConnectionContext } from '../ipc/agentConnection.ts';
import { ConnectionRegistry } from '../ipc/connectionRegistry.ts';
import { Notifier } from '../ipc/notifier.ts';
import { createLogger } from '../log/logger.ts';
import { PromptBroker, type PromptSpec } from './promptBroker.ts';
import { ManualScheduler } from '../../../../tests/support/manualScheduler.ts';

function desktop(uid: number, sent: Array<{ method: string; params: unknown }>): ConnectionContext {
  const connection = {
    sendNotification: (method: string, params: unknown) => (sent.push({ method, params }), Promise.resolve()),
  } as unknown as MessageConnection;
  return {
    connectionId: `c${uid}`,
    peer: { uid, gid: uid, pid: 1, userName: null },
    connection,
    session: { sessionId: 's', clientKind: 'desktop', desktop: { verified: true, session: '1' } },
  };
}

const spec: PromptSpec = {
  kind: 'justification',
  control: 'JUSTIFY',
  subject: { requestId: 'r1', executable: '/usr/bin/true', commandLine: '/usr/bin/true', sha256: null, policyNames: [] },
  justification: { minLength: 10, maxLength: 100, offline: false },
};

function setup() {
  const scheduler = new ManualScheduler();
  const registry = new ConnectionRegistry();
  const audited: AuditEvent[] = [];
  const audit = { append: (e: AuditEvent) => (audited.push(e), 'id') } as unknown as AuditLog;
  const log = createLogger('Critical');
  const broker = new PromptBroker({
    registry,
    notifier: new Notifier({ registry, log }),
    clock: { now: () => new Date(scheduler.now) },
    scheduler,
    audit,
    log,
  });
  return { scheduler, registry, broker, audited };
}

describe('PromptBroker', () => {
  it('expires an unanswered prompt on the injected clock, once, and tells the desktop', async () => {
    const { scheduler, registry, broker } = setup();
    const sent: Array<{ method: string; params: unknown }> = [];
    registry.add(desktop(1000, sent));
    const answer = broker.ask(1000, spec, 60_000);
    expect(sent.map((s) => s.method)).toEqual(['prompt.show']);
    expect(sent[0]!.params).toMatchObject({ expiresAt: new Date(60_000).toISOString() });
    scheduler.advance(59_999);
    expect(broker.openFor(1000)).toHaveLength(1);
    scheduler.advance(1);
    expect(await answer).toEqual({ kind: 'expired' });
    expect(sent.map((s) => s.method)).toEqual(['prompt.show', 'prompt.closed']);
    expect(broker.openFor(1000)).toEqual([]);
  });

  it('resolves undeliverable at once when the user has no desktop session', async () => {
    const { registry, broker } = setup();
    registry.add(desktop(2000, []));
    expect(await broker.ask(1000, spec, 60_000)).toEqual({ kind: 'undeliverable' });
  });

  it('offers nothing to a desktop the agent could not verify, and refuses and audits its answers', async () => {
    const { registry, broker, audited } = setup();
    const sent: Array<{ method: string; params: unknown }> = [];
    const unverified: ConnectionContext = {
      ...desktop(1000, sent),
      session: { sessionId: 's', clientKind: 'desktop', desktop: { verified: false, reason: 'no-session' } },
    };
    registry.add(unverified);
    expect(await broker.ask(1000, spec, 60_000)).toEqual({ kind: 'undeliverable' });
    expect(sent).toEqual([]);

    const verified = desktop(1000, []);
    registry.add(verified);
    const answer = broker.ask(1000, spec, 60_000);
    const promptId = broker.openFor(1000)[0]!.promptId;
    expect(sent).toEqual([]);
    await expect(broker.respond(unverified, promptId, { kind: 'justification', text: 'answered by a process' })).rejects.toMatchObject({
      code: -33001,
      data: { reasonDetail: { code: 'desktop-unverified', values: { user: '1000' } }, check: 'no-session' },
    });
    expect(audited).toEqual([
      expect.objectContaining({ type: 'prompt.refused', actorUid: 1000, requestId: 'r1', data: expect.objectContaining({ check: 'no-session' }) as unknown }),
    ]);
    expect(broker.openFor(1000)).toHaveLength(1);
    await broker.respond(verified, promptId, { kind: 'cancel' });
    expect(await answer).toEqual({ kind: 'cancelled' });
  });

  it('never resolves twice: an answer after expiry is refused as expired', async () => {
    const { scheduler, registry, broker } = setup();
    const context = desktop(1000, []);
    registry.add(context);
    const answer = broker.ask(1000, spec, 1_000);
    const promptId = broker.openFor(1000)[0]!.promptId;
    scheduler.advance(1_000);
    expect(await answer).toEqual({ kind: 'expired' });
    await expect(broker.respond(context, promptId, { kind: 'justification', text: 'too late for this one' })).rejects.toThrow(/no longer open/);
  });

  it('closes every open prompt when the agent stops', async () => {
    const { registry, broker } = setup();
    const sent: Array<{ method: string; params: unknown }> = [];
    registry.add(desktop(1000, sent));
    const answer = broker.ask(1000, spec, 60_000);
    broker.closeAll();
    expect(await answer).toEqual({ kind: 'expired' });
    expect(sent.at(-1)).toMatchObject({ method: 'prompt.closed', params: { reason: 'agentStopping' } });
  });

  it('present(): update re-sends the same prompt with new details and expiry; close ends it from the agent side', async () => {
    const { scheduler, registry, broker } = setup();
    const sent: Array<{ method: string; params: unknown }> = [];
    registry.add(desktop(1000, sent));
    const handle = broker.present(1000, spec, 10_000);
    scheduler.advance(5_000);
    handle.update({ ...spec, justification: { minLength: 20, maxLength: 100, offline: false } }, 60_000);
    expect(sent.map((s) => s.method)).toEqual(['prompt.show', 'prompt.show']);
    expect(sent[1]!.params).toMatchObject({
      promptId: handle.promptId,
      createdAt: new Date(0).toISOString(),
      expiresAt: new Date(65_000).toISOString(),
      justification: { minLength: 20 },
    });
    expect(broker.openFor(1000)).toMatchObject([{ promptId: handle.promptId, justification: { minLength: 20 } }]);
    scheduler.advance(10_000); // the first expiry no longer applies
    expect(broker.openFor(1000)).toHaveLength(1);
    handle.close('superseded');
    expect(await handle.answer).toEqual({ kind: 'expired' });
    expect(sent.at(-1)).toEqual({ method: 'prompt.closed', params: { promptId: handle.promptId, reason: 'superseded' } });
    handle.update(spec, 1_000);
    handle.close('answered');
    expect(sent).toHaveLength(3);
    expect(broker.openFor(1000)).toEqual([]);
  });

  it('present(): a cancel from the user still resolves the handle once', async () => {
    const { registry, broker } = setup();
    const context = desktop(1000, []);
    registry.add(context);
    const handle = broker.present(1000, spec, 10_000);
    await broker.respond(context, handle.promptId!, { kind: 'cancel' });
    handle.close('answered');
    expect(await handle.answer).toEqual({ kind: 'cancelled' });
  });
});
