import { describe, expect, it } from 'vitest';
import { chainHash, GENESIS_HASH } from '../audit/auditChain.ts';
import { decide, PolicySet } from './evaluate.ts';
import type { Collection } from './policySchema.ts';
import { recordedFields, replayableRequest } from './recordedRequest.ts';
import { replay, type DecidedEventRow } from './replay.ts';
import { decidedSince, formatReport, parseDuration } from './replayCommand.ts';
import type { EvaluationRequest } from './request.ts';
import { policyBuilder } from '../../../../tests/support/keeperPolicy.ts';

const COLLECTIONS: Collection[] = [
  { CollectionId: 'col-ops', Type: 'User', Members: [{ Group: 'ops' }] },
  { CollectionId: 'col-apt', Type: 'Application', Members: [{ Path: '/usr/bin/apt' }] },
  { CollectionId: 'col-id', Type: 'Application', Members: [{ Path: '/usr/bin/id' }] },
];
const policy = policyBuilder('p', 'pol');
const at = new Date('2026-12-01T10:00:00.000Z');

const request = (overrides: Partial<EvaluationRequest> = {}): EvaluationRequest => ({
  policyType: 'PrivilegeElevation',
  user: { uid: 1001, name: 'alice', groups: ['alice', 'ops'], home: '/home/alice' },
  machine: { name: 'lap-1' },
  application: { path: '/usr/bin/apt', sha256: 'a'.repeat(64), signer: null, commandLine: '/usr/bin/apt update', arguments: ['update'] },
  agentic: null,
  at,
  ...overrides,
});

/** The data `elevation.decided` holds for a request decided by `set` (as the agent writes it). */
function eventOf(set: PolicySet, req: EvaluationRequest, seq: number, withFacts = true): DecidedEventRow {
  const decision = decide(set.matching(req), { defaultOutcome: 'deny' });
  const state = decision.outcome === 'allow' ? 'allowed' : decision.outcome === 'deny' ? 'denied' : 'pending';
  const base = {
    user: req.user.name,
    executable: req.application.path,
    sha256: req.application.sha256,
    commandLine: req.application.commandLine,
    state,
    reason: decision.reason,
    deciding: decision.deciding,
    monitored: [],
  };
  return {
    seq,
    at: req.at.toISOString(),
    actorUid: req.user.uid,
    requestId: `req-${seq}`,
    data: withFacts ? { ...base, ...recordedFields(req, decision, { signerLookedUp: true }) } : base,
  };
}

describe('recorded requests (the facts elevation.decided keeps for policy replay)', () => {
  it('round-trips every fact the engine matches on', () => {
    const req = request({ agentic: { parentProcess: '/usr/bin/claude', aiLikelihoodPercent: 90 } });
    const set = new PolicySet([], COLLECTIONS, 'linux');
    const back = replayableRequest(eventOf(set, req, 1).data, 1001, at);
    expect(back?.missing).toEqual([]);
    expect(back?.request).toEqual(req);
    expect(back?.then).toEqual({ outcome: 'deny', controls: [] });
  });

  it('replays an older event with what it has and names every fact it lacks', () => {
    const set = new PolicySet([], COLLECTIONS, 'linux');
    const back = replayableRequest(eventOf(set, request(), 1, false).data, 1001, at);
    expect(back?.missing).toEqual(['policyType', 'groups', 'home', 'machine', 'arguments', 'signer', 'agentic', 'policyDecision']);
    expect(back?.request.user).toEqual({ uid: 1001, name: 'alice', groups: [], home: null });
    expect(back?.request.application.arguments).toBeUndefined();
    expect(back?.then).toEqual({ outcome: 'deny', controls: [] });
    const pending = replayableRequest({ user: 'alice', executable: '/usr/bin/apt', sha256: null, commandLine: 'apt', state: 'pending' }, 1001, at);
    expect(pending?.then).toEqual({ outcome: 'controls', controls: null });
  });

  it('records the signer only when the agent looked it up, and a replay needs it only for policies that name a Signer', () => {
    const set = new PolicySet([], COLLECTIONS, 'linux');
    const req = request();
    const decision = decide([], { defaultOutcome: 'deny' });
    const data = {
      user: 'alice',
      executable: '/usr/bin/apt',
      sha256: req.application.sha256,
      commandLine: '/usr/bin/apt update',
      state: 'denied',
      ...recordedFields(req, decision, { signerLookedUp: false }),
    };
    expect(data.request).not.toHaveProperty('signer');
    expect(replayableRequest(data, 1001, at)?.missing).toEqual(['signer']);
    const event = { seq: 1, at: at.toISOString(), actorUid: 1001, requestId: 'r', data };
    expect(replay([event], set, { defaultOutcome: 'deny' }).partial).toBe(0);
    const signed = new PolicySet(
      [policy(['ALLOW'], { ApplicationCheck: ['col-signed'] })],
      [...COLLECTIONS, { CollectionId: 'col-signed', Type: 'Application', Members: [{ Signer: 'apt' }] }],
      'linux',
    );
    expect(replay([event], signed, { defaultOutcome: 'deny' }).partial).toBe(1);
  });

  it('is not fooled by data of another shape', () => {
    expect(replayableRequest({ control: 'MFA' }, 1001, at)).toBeNull();
    expect(
      replayableRequest({ user: 'alice', executable: '/x', sha256: null, commandLine: 'x', state: 'allowed', request: { groups: 'ops' } }, 1001, at),
    ).toBeNull();
  });

  it('the new facts are part of the hash-chained canonical event: editing the groups breaks the hash', () => {
    const set = new PolicySet([], COLLECTIONS, 'linux');
    const event = eventOf(set, request(), 1);
    const fields = { seq: 1, id: 'e1', at: event.at, type: 'elevation.decided', actorUid: 1001, requestId: 'req-1', data: event.data };
    const data = event.data as { request: { groups: string[] } };
    const edited = { ...fields, data: { ...data, request: { ...data.request, groups: ['alice'] } } };
    expect(chainHash(GENESIS_HASH, edited)).not.toBe(chainHash(GENESIS_HASH, fields));
  });
});

describe('policy replay (grouped differences against proposed policies)', () => {
  const before = new PolicySet(
    [policy(['ALLOW'], { ApplicationCheck: ['col-apt'] }), policy(['JUSTIFY'], { ApplicationCheck: ['col-id'] })],
    COLLECTIONS,
    'linux',
  );
  const bob = (overrides: Partial<EvaluationRequest> = {}) => request({ user: { uid: 1002, name: 'bob', groups: ['bob'], home: '/home/bob' }, ...overrides });
  const idRequest = { path: '/usr/bin/id', sha256: 'b'.repeat(64), signer: null, commandLine: '/usr/bin/id', arguments: [] };
  const events = [
    eventOf(before, request(), 1),
    eventOf(before, request({ at: new Date('2026-12-01T11:00:00.000Z') }), 2),
    eventOf(before, bob(), 3),
    eventOf(before, bob({ application: idRequest }), 4),
    eventOf(before, request({ application: { ...idRequest, path: '/usr/bin/true', commandLine: '/usr/bin/true' } }), 5),
  ];

  it('reports nothing when the proposed policies decide every request the same way', () => {
    const report = replay(events, before, { defaultOutcome: 'deny' });
    expect(report).toMatchObject({ replayed: 5, changed: 0, unchanged: 5, partial: 0, groups: [] });
  });

  it('groups what would change by the new verdict, then user, program and old verdict (groups matter: ops keep apt)', () => {
    const proposed = new PolicySet(
      [policy(['ALLOW'], { ApplicationCheck: ['col-apt'], UserCheck: ['col-ops'] }), policy(['MFA', 'JUSTIFY'], { ApplicationCheck: ['col-id'] })],
      COLLECTIONS,
      'linux',
    );
    const report = replay(events, proposed, { defaultOutcome: 'deny' });
    expect(report).toMatchObject({ replayed: 5, changed: 2, unchanged: 3, partial: 0 });
    expect(report.groups).toEqual([
      {
        now: { outcome: 'deny', controls: [] },
        requests: 1,
        entries: [
          {
            user: 'bob',
            program: '/usr/bin/apt',
            was: { outcome: 'allow', controls: [] },
            count: 1,
            missing: [],
            firstAt: events[2]!.at,
            lastAt: events[2]!.at,
            requestIds: ['req-3'],
          },
        ],
      },
      {
        now: { outcome: 'controls', controls: ['MFA', 'JUSTIFY'] },
        requests: 1,
        entries: [
          {
            user: 'bob',
            program: '/usr/bin/id',
            was: { outcome: 'controls', controls: ['JUSTIFY'] },
            count: 1,
            missing: [],
            firstAt: events[3]!.at,
            lastAt: events[3]!.at,
            requestIds: ['req-4'],
          },
        ],
      },
    ]);
    const text = formatReport(report, { since: '2026-11-24T10:00:00.000Z', policies: '/new' });
    expect(text).toContain('5 requests since 2026-11-24T10:00:00.000Z replayed against /new: 2 would change, 3 would not\n');
    expect(text).toContain('newly denied: 1 request\n  bob  /usr/bin/apt  1x  was allowed\n');
    expect(text).toContain('newly asked for MFA, JUSTIFY: 1 request\n  bob  /usr/bin/id  1x  was asked for JUSTIFY\n');
  });

  it('counts repeated requests of one user and program once, with their times', () => {
    const denyApt = new PolicySet(
      [policy(['DENY'], { ApplicationCheck: ['col-apt'] }), policy(['JUSTIFY'], { ApplicationCheck: ['col-id'] })],
      COLLECTIONS,
      'linux',
    );
    const report = replay(events, denyApt, { defaultOutcome: 'deny' });
    expect(report.groups).toHaveLength(1);
    expect(report.groups[0]!.entries).toMatchObject([
      {
        user: 'alice',
        program: '/usr/bin/apt',
        count: 2,
        firstAt: '2026-12-01T10:00:00.000Z',
        lastAt: '2026-12-01T11:00:00.000Z',
        requestIds: ['req-1', 'req-2'],
      },
      { user: 'bob', program: '/usr/bin/apt', count: 1 },
    ]);
  });

  it('marks older events partial, says which facts they lack, and never counts unknown old prompts as a change', () => {
    const old = [eventOf(before, request(), 1, false), eventOf(before, bob({ application: idRequest }), 2, false)];
    const proposed = new PolicySet(
      [policy(['ALLOW'], { ApplicationCheck: ['col-apt'], UserCheck: ['col-ops'] }), policy(['MFA'], { ApplicationCheck: ['col-id'] })],
      COLLECTIONS,
      'linux',
    );
    const report = replay(old, proposed, { defaultOutcome: 'deny' });
    // alice's groups were not recorded, so the ops-only ALLOW no longer matches her: a partial change.
    expect(report).toMatchObject({ replayed: 2, changed: 1, unchanged: 1, partial: 2 });
    expect(report.groups[0]!.entries[0]).toMatchObject({
      user: 'alice',
      was: { outcome: 'allow' },
      missing: expect.arrayContaining(['groups', 'arguments']) as unknown,
    });
    expect(formatReport(report, { since: 's', policies: '/new' })).toContain(
      'PARTIAL (not recorded: policyType, groups, home, machine, arguments, agentic, policyDecision)',
    );
  });

  it('counts events it cannot read as requests instead of hiding them', () => {
    const report = replay([{ seq: 1, at: at.toISOString(), actorUid: null, requestId: null, data: { nonsense: true } }], before, { defaultOutcome: 'deny' });
    expect(report).toMatchObject({ replayed: 0, unreadable: 1, changed: 0 });
  });
});

describe('--since', () => {
  it('keeps only the elevation.decided events at or after the start of the window', () => {
    const row = (seq: number, type: string, at: string) => ({ seq, type, at, actorUid: null, requestId: null, data: {} });
    const events = [
      row(1, 'elevation.decided', '2026-11-23T09:59:59.999Z'),
      row(2, 'elevation.decided', '2026-11-23T10:00:00.000Z'),
      row(3, 'control.passed', '2026-11-24T00:00:00.000Z'),
      row(4, 'elevation.decided', '2026-11-30T10:00:00.000Z'),
    ];
    expect(decidedSince(events, new Date(Date.parse('2026-11-30T10:00:00.000Z') - parseDuration('7d')).toISOString()).map((e) => e.seq)).toEqual([2, 4]);
  });

  it('takes a whole number and a unit', () => {
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
  });

  it.each(['7', 'd', '0d', '-1d', '1.5d', '7 d', '7days', '7D', ''])('refuses %j with the rule', (text) => {
    expect(() => parseDuration(text)).toThrow(/is not a duration: give a whole number and m, h, d or w/);
  });
});
