import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { AgentError } from '../../../shared/protocol/src/common/errors.ts';
import {
  ElevationExited as FullElevationExited,
  ElevationInput as FullElevationInput,
  ElevationOutput as FullElevationOutput,
  ElevationRequest as FullElevationRequest,
  ElevationRun as FullElevationRun,
  ElevationUpdated as FullElevationUpdated,
  SessionHello as FullSessionHello,
} from '../../../shared/protocol/src/common/index.ts';
import { object, string, type Check } from '../../../shared/protocol/src/common/plainChecks.ts';
import { OneShotClient, subsetNotification, subsetRequest } from '../../../shared/protocol/src/node/oneShotClient.ts';
import type { OneShotConnection } from '../../../shared/protocol/src/node/oneShotConnection.ts';
import { isBase64 } from './base64Chunk.ts';
import { ElevationExited, ElevationInput, ElevationOutput, ElevationRequest, ElevationRun, ElevationUpdated, SessionHello } from './elevationMethods.ts';

/** The zod/mini schemas the CLI used until its checks were written by hand: what each check must take, refuse and return. */
const ElevationState = z.enum(['allowed', 'denied', 'pending']);
const Zod = {
  hello: z.object({ protocolVersion: z.number(), sessionId: z.string() }),
  request: z.object({
    requestId: z.string(),
    state: ElevationState,
    decision: z.object({ reason: z.string() }),
    grant: z.optional(z.object({ expiresAt: z.string() })),
    run: z.optional(z.object({ runId: z.string() })),
  }),
  updated: z.object({
    requestId: z.string(),
    state: ElevationState,
    reason: z.string(),
    reasonDetail: z.optional(z.object({ code: z.string(), values: z.record(z.string(), z.unknown()) })),
    currentControl: z.nullable(z.string()),
    offlineApproval: z.optional(z.object({ challenge: z.string(), machine: z.string(), expiresAt: z.string() })),
  }),
  run: z.object({ runId: z.string() }),
  input: z.object({ ok: z.literal(true) }),
  output: z.object({ runId: z.string(), stream: z.enum(['stdout', 'stderr']), data: z.string().check(z.maxLength(90_000), z.refine(isBase64, 'base64')) }),
  exited: z.object({ runId: z.string(), code: z.nullable(z.number()), signal: z.nullable(z.string()) }),
};

const AT = '2026-12-07T05:00:00.000Z';
const decision = {
  outcome: 'allow',
  reason: 'allowed by policy allow-id',
  reasonDetail: { code: 'policy-allow', values: {} },
  controls: [],
  justificationWithApproval: false,
  matched: [],
  deciding: ['allow-id'],
  monitored: [],
};
const requestResult = {
  requestId: 'r-1',
  state: 'allowed',
  decision,
  application: { path: '/usr/bin/id', sha256: null, commandLine: '/usr/bin/id -u' },
  createdAt: AT,
  grant: { grantId: 'g-1', expiresAt: AT },
  run: { runId: 'run-1', pid: 4242 },
};
const update = {
  requestId: 'r-1',
  state: 'pending',
  reason: 'waiting',
  reasonDetail: { code: 'prompt-undeliverable', values: { user: 'alice' } },
  currentControl: 'APPROVAL',
  passed: ['JUSTIFY'],
  updatedAt: AT,
  offlineApproval: { challenge: 'ABCD-EFGH', machine: 'host-1', expiresAt: AT },
};

interface Case {
  readonly check: Check<unknown>;
  readonly zod: z.ZodMiniType;
  /** The protocol's own schema of the same value. */
  readonly full: { safeParse(value: unknown): { success: boolean; data?: unknown } };
  readonly fixtures: readonly unknown[];
}

const CASES: Record<string, Case> = {
  'session.hello': {
    check: SessionHello.result,
    zod: Zod.hello,
    full: FullSessionHello.result,
    fixtures: [{ protocolVersion: 1, agentVersion: '0.1.0', sessionId: 's-1', peer: { uid: 0, gid: 0, pid: 1, userName: 'root' } }],
  },
  'elevation.request': {
    check: ElevationRequest.result,
    zod: Zod.request,
    full: FullElevationRequest.result,
    fixtures: [requestResult, { ...requestResult, state: 'pending', grant: undefined, run: undefined }],
  },
  'elevation.updated': {
    check: ElevationUpdated.params,
    zod: Zod.updated,
    full: FullElevationUpdated.params,
    fixtures: [update, { requestId: 'r-1', state: 'denied', reason: 'no', currentControl: null, passed: [], updatedAt: AT }],
  },
  'elevation.run': { check: ElevationRun.result, zod: Zod.run, full: FullElevationRun.result, fixtures: [{ runId: 'run-1', pid: 7 }] },
  'elevation.input': { check: ElevationInput.result, zod: Zod.input, full: FullElevationInput.result, fixtures: [{ ok: true }] },
  'elevation.output': {
    check: ElevationOutput.params,
    zod: Zod.output,
    full: FullElevationOutput.params,
    fixtures: [
      { runId: 'run-1', stream: 'stdout', data: 'aGVsbG8K' },
      { runId: 'run-1', stream: 'stderr', data: '' },
    ],
  },
  'elevation.exited': {
    check: ElevationExited.params,
    zod: Zod.exited,
    full: FullElevationExited.params,
    fixtures: [
      { runId: 'run-1', code: 0, signal: null },
      { runId: 'run-1', code: null, signal: 'SIGTERM' },
    ],
  },
};

/** Every key path of a zod/mini schema, and every enum option and literal in it (walking its definition). */
function walk(schema: z.ZodMiniType, path = '', found = { paths: new Set<string>(), options: new Set<unknown>() }) {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  if (def.type === 'object') {
    for (const [key, inner] of Object.entries(def['shape'] as Record<string, z.ZodMiniType>)) {
      const where = path ? `${path}.${key}` : key;
      found.paths.add(where);
      walk(inner, where, found);
    }
  } else if (def.type === 'optional' || def.type === 'nullable') walk(def['innerType'] as z.ZodMiniType, path, found);
  else if (def.type === 'enum') for (const option of Object.values(def['entries'] as object)) found.options.add(option);
  else if (def.type === 'literal') for (const value of def['values'] as unknown[]) found.options.add(value);
  return found;
}

/** Values at the checks' bounds: types, base64 right and wrong, the longest chunk and one longer. */
const ODD: readonly unknown[] = [
  undefined,
  null,
  true,
  false,
  0,
  -1,
  1.5,
  Number.NaN,
  Infinity,
  -Infinity,
  2 ** 53,
  '',
  'x',
  'QUJD',
  'QUJDRA==',
  'QUJDRA=',
  'not base64!',
  'A'.repeat(90_000),
  'A'.repeat(90_004),
  [],
  ['x'],
  {},
  { code: 'x' },
  { code: 'x', values: [] },
  { code: 'x', values: { user: 1 } },
  { runId: 'r' },
  { expiresAt: AT },
];

const clone = <T>(value: T): T => structuredClone(value);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Each key of `value` at any depth dropped, replaced by each of `odd`, and a key added beside it. */
function variants(value: unknown, odd: readonly unknown[]): unknown[] {
  if (!isRecord(value)) return [];
  const out: unknown[] = [{ ...value, extra: 'x' }];
  for (const key of Object.keys(value)) {
    const without = { ...value };
    delete without[key];
    out.push(without);
    for (const replacement of odd) out.push({ ...value, [key]: clone(replacement) });
    for (const inner of variants(value[key], odd)) out.push({ ...value, [key]: inner });
  }
  return out;
}

function plain(check: Check<unknown>, value: unknown): { success: boolean; data?: unknown } {
  try {
    return { success: true, data: check(value, '') };
  } catch {
    return { success: false };
  }
}

describe("keeper-elevate's plain checks", () => {
  for (const [method, { check, zod, full, fixtures }] of Object.entries(CASES)) {
    it(`${method}: take, refuse and return exactly what its zod/mini schema does`, () => {
      const { paths, options } = walk(zod);
      // Every key of the schema is in a fixture, so each is dropped and replaced below.
      const fixturePaths = new Set<string>();
      const collect = (value: unknown, path: string) => {
        if (!isRecord(value)) return;
        for (const [key, inner] of Object.entries(value)) {
          if (inner === undefined) continue;
          fixturePaths.add(path ? `${path}.${key}` : key);
          collect(inner, path ? `${path}.${key}` : key);
        }
      };
      for (const fixture of fixtures) collect(fixture, '');
      expect([...paths].filter((path) => !fixturePaths.has(path))).toEqual([]);

      const odd = [...ODD, ...options, ...[...options].map((option) => `${String(option)} `)];
      let accepted = 0;
      let refused = 0;
      for (const fixture of fixtures) {
        const all = [fixture, ...variants(fixture, odd)];
        expect(all.length).toBeGreaterThan(odd.length);
        for (const value of all) {
          const expected = z.safeParse(zod, value);
          const actual = plain(check, value);
          expect({ value, success: actual.success }).toEqual({ value, success: expected.success });
          if (expected.success) expect(actual.data).toStrictEqual(expected.data);
          if (expected.success) accepted++;
          else refused++;
          // A subset only weakens the protocol's check: whatever the agent's schema produces, the CLI takes.
          const produced = full.safeParse(value);
          if (produced.success) expect(plain(check, produced.data).success).toBe(true);
        }
      }
      expect(accepted).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    });
  }

  it('keep only the fields the CLI reads', () => {
    expect(ElevationRequest.result(FullElevationRequest.result.parse(requestResult), '')).toStrictEqual({
      requestId: 'r-1',
      state: 'allowed',
      decision: { reason: 'allowed by policy allow-id' },
      grant: { expiresAt: AT },
      run: { runId: 'run-1' },
    });
  });

  it('say which field of an answer is wrong', async () => {
    const client = new OneShotClient({} as OneShotConnection);
    const answer = Promise.resolve({ ...requestResult, decision: { reason: 5 } });
    await expect(client.checked(ElevationRequest, answer)).rejects.toThrow(
      new AgentError(-32603, 'the agent answered elevation.request with an invalid result: decision.reason: expected a string'),
    );
  });

  it('are checked against the protocol by the compiler', () => {
    // A field the protocol's result does not have, or one of another type, does not compile.
    // @ts-expect-error: no `approver` in elevation.request's result
    subsetRequest<typeof FullElevationRequest>()('elevation.request', object({ approver: string() }));
    // @ts-expect-error: requestId is a string in the protocol
    subsetRequest<typeof FullElevationRequest>()('elevation.request', object({ requestId: (value: unknown) => value as number }));
    // @ts-expect-error: the method's name is the protocol's
    subsetRequest<typeof FullElevationRequest>()('elevation.requests', object({ requestId: string() }));
    // @ts-expect-error: currentControl can be null in the protocol
    subsetNotification<typeof FullElevationUpdated>()('elevation.updated', object({ currentControl: string() }));
    expect(subsetRequest<typeof FullElevationRequest>()('elevation.request', object({ requestId: string() })).method).toBe('elevation.request');
  });
});
