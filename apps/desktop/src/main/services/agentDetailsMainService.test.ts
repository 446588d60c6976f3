import { describe, expect, it } from 'vitest';
import { AgentError, AgentErrorCodes, JsonRpcErrorCodes } from '../../../../../shared/protocol/src/common/index.ts';
import type { AgentLink } from '../agent/agentLink.ts';
import { agentDetailsMainService, detailsProblem } from './agentDetailsMainService.ts';

/** An agent link that answers each method from `answers` and records what it was asked. */
function fakeLink(answers: Record<string, () => Promise<unknown>>) {
  const calls: Array<{ method: string; params: unknown }> = [];
  const link = {
    request: (descriptor: { method: string }, params: unknown) => {
      calls.push({ method: descriptor.method, params });
      return answers[descriptor.method]?.() ?? Promise.reject(new Error(`unexpected ${descriptor.method}`));
    },
    addFeature: () => {},
  } as unknown as AgentLink;
  return { link, calls };
}

describe('KeeperAgent details for the KeeperAgent window (main side)', () => {
  it('loads permissions, MFA, grants and history in one answer, and forwards the why view with the program and arguments only', async () => {
    const { link, calls } = fakeLink({
      'agent.permissions': () => Promise.resolve({ roles: [], canSetLogLevel: false }),
      'mfa.status': () => Promise.resolve({ enrolled: false, lockedUntil: null, sessions: [] }),
      'grants.list': () => Promise.resolve({ grants: [] }),
      'elevation.history': () => Promise.resolve({ requests: [] }),
      'policy.explain': () => Promise.reject(new AgentError(AgentErrorCodes.NotFound, '/nope is not a readable file')),
    });
    const service = agentDetailsMainService(link);
    expect(await service.load()).toEqual({
      ok: true,
      value: { permissions: { roles: [], canSetLogLevel: false }, mfa: { enrolled: false, lockedUntil: null, sessions: [] }, grants: [], history: [] },
    });
    expect(calls.find((c) => c.method === 'elevation.history')?.params).toEqual({ limit: 20 });
    expect(await service.explain({ executable: '/nope', arguments: ['-x'] })).toEqual({ ok: false, problem: 'not-found' });
    expect(calls.at(-1)).toEqual({ method: 'policy.explain', params: { executable: '/nope', arguments: ['-x'], cwd: '/' } });
  });

  it('turns the agent’s refusals into problems the window translates', async () => {
    const refusing = (error: Error) =>
      agentDetailsMainService(fakeLink({ 'agent.setLogLevel': () => Promise.reject(error), 'grants.revoke': () => Promise.reject(error) }).link);
    expect(await refusing(new AgentError(AgentErrorCodes.Unauthorized, 'only administrators')).setLogLevel('Debug')).toEqual({
      ok: false,
      problem: 'not-allowed',
    });
    expect(await refusing(new AgentError(AgentErrorCodes.Conflict, 'already revoked')).revokeGrant('g-1')).toEqual({ ok: false, problem: 'already-ended' });
    expect(detailsProblem(new AgentError(JsonRpcErrorCodes.InvalidParams, 'bad'))).toBe('invalid');
    expect(detailsProblem(new AgentError(JsonRpcErrorCodes.InternalError, 'the Keeper agent is not connected'))).toBe('unavailable');
    expect(detailsProblem(new Error('socket closed'))).toBe('unavailable');
  });

  it('follows this user’s history live: reloads when the agent says a request was made or changed, only while watched, and keeps the last on failure', async () => {
    const handlers = new Map<string, () => void>();
    let loads = 0;
    let answer: () => Promise<unknown> = () => Promise.resolve({ requests: [{ requestId: 'r-first' }] });
    const link = {
      request: (descriptor: { method: string }) =>
        descriptor.method === 'elevation.history' ? (loads++, answer()) : Promise.reject(new Error(descriptor.method)),
      addFeature: (feature: { attach(client: unknown): unknown }) =>
        feature.attach({
          onNotification: (descriptor: { method: string }, handler: () => void) => (handlers.set(descriptor.method, handler), { dispose: () => {} }),
        }),
    } as unknown as AgentLink;
    const service = agentDetailsMainService(link);
    handlers.get('elevation.created')!();
    expect(loads).toBe(0);
    const seen: unknown[] = [];
    const subscription = service.history$().subscribe({ next: (history) => seen.push(history), error: () => {}, complete: () => {} });
    handlers.get('elevation.created')!();
    await expect.poll(() => seen).toEqual([[{ requestId: 'r-first' }]]);
    answer = () => Promise.reject(new Error('agent gone'));
    handlers.get('elevation.updated')!();
    await expect.poll(() => loads).toBe(2);
    answer = () => Promise.resolve({ requests: [{ requestId: 'r-late' }] });
    handlers.get('elevation.updated')!();
    await expect.poll(() => seen).toEqual([[{ requestId: 'r-first' }], [{ requestId: 'r-late' }]]);
    subscription.unsubscribe();
  });
});
