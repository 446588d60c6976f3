import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { regexes } from 'zod/v4/core';
import { PromptRespondResult, type PromptShow } from '../../../protocol/src/common/methods/prompt.ts';
import { REASON_CODES, ReasonDetail, ReceivedReasonDetail } from '../../../protocol/src/common/methods/elevation.ts';
import { PromptQueueView } from '../common/services/prompts.ts';
import { ServerMessage } from '../common/webShellWire.ts';
import { CheckFailure, DATETIME, type Check } from '../../../protocol/src/common/plainChecks.ts';
import { REASON_VALUES, checkPromptQueueView, checkPromptRespondResult } from './promptChecks.ts';
import { checkServerMessage } from './serverMessageCheck.ts';

const AT = '2026-12-07T10:00:00.123Z';

/** Values a field is tried with, besides dropping it: each type's odd ones and the bounds the schemas use. */
const ODD: unknown[] = [
  undefined,
  null,
  '',
  'x',
  'x'.repeat(81),
  'x'.repeat(4096),
  'x'.repeat(4097),
  '2026-12-07T10:00:00Z',
  '2026-12-07T10:00Z',
  '2026-12-07T10:00:00+01:00',
  '2026-02-30T10:00:00Z',
  '2026-12-07',
  0,
  -1,
  1,
  2,
  10,
  11,
  1.5,
  2 ** 53,
  true,
  false,
  [],
  ['x'],
  ['JUSTIFY'],
  [{}],
  {},
  'justification',
  'JUSTIFY',
  'Pending',
  'deny',
  'info',
  'too-short',
  'next',
  'policy-deny',
];

/** Every variant of `value` with one field (at any depth) dropped, replaced by an odd value, or one key added. */
function* variants(value: unknown): Generator<unknown> {
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    for (const [index, item] of items.entries()) for (const variant of variants(item)) yield items.map((other, i) => (i === index ? variant : other));
    yield [...items, items[0]];
    return;
  }
  if (typeof value !== 'object' || value === null) return yield* ODD;
  const record = value as Record<string, unknown>;
  yield { ...record, extra: 1 };
  for (const key of Object.keys(record)) {
    yield Object.fromEntries(Object.entries(record).filter(([other]) => other !== key));
    for (const variant of variants(record[key])) yield { ...record, [key]: variant };
  }
}

/** The check accepts exactly what zod accepts, and gives back what zod gives back. */
function expectSameAsZod(schema: z.ZodType, check: Check<unknown>, input: unknown) {
  const expected = schema.safeParse(input);
  let actual: { success: true; data: unknown } | { success: false };
  try {
    actual = { success: true, data: check(input, '') };
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    actual = { success: false };
  }
  expect({ input, success: actual.success }).toEqual({ input, success: expected.success });
  if (expected.success && actual.success) expect(actual.data).toStrictEqual(expected.data);
}

function expectAllSameAsZod(schema: z.ZodType, check: Check<unknown>, valid: unknown) {
  expectSameAsZod(schema, check, valid);
  expect(schema.safeParse(valid).success).toBe(true);
  let tried = 0;
  for (const input of variants(valid)) {
    expectSameAsZod(schema, check, input);
    tried++;
  }
  return tried;
}

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string>;
  values?: unknown[];
  in?: z.ZodType;
  getter?: () => z.ZodType;
};

/**
 * Every object key of `schema` by path (`a.b`; list items and union members share their parent's
 * path), with the options of the enums and literals found there: what the samples must cover.
 */
function schemaPaths(schema: z.ZodType, path = '', out = new Map<string, Set<unknown>>()): Map<string, Set<unknown>> {
  const def = schema._zod.def as Def;
  const at = () => out.get(path) ?? out.set(path, new Set()).get(path)!;
  if (def.type === 'object') for (const [key, field] of Object.entries(def.shape!)) schemaPaths(field, path ? `${path}.${key}` : key, out);
  else if (def.innerType) schemaPaths(def.innerType, path, out);
  else if (def.type === 'array') schemaPaths(def.element!, path, out);
  else if (def.type === 'union') for (const option of def.options!) schemaPaths(option, path, out);
  else if (def.type === 'pipe') schemaPaths(def.in!, path, out);
  else if (def.type === 'lazy') schemaPaths(def.getter!(), path, out);
  else if (def.type === 'enum') for (const value of Object.values(def.entries!)) at().add(value);
  else if (def.type === 'literal') for (const value of def.values!) at().add(value);
  if (path) at();
  return out;
}

/** The key paths a sample holds, as schemaPaths names them. */
function samplePaths(value: unknown, path = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value as unknown[]) samplePaths(item, path, out);
  else if (typeof value === 'object' && value !== null)
    for (const [key, field] of Object.entries(value)) samplePaths(field, path ? `${path}.${key}` : key, (out.add(path ? `${path}.${key}` : key), out));
  return out;
}

/** `value` with the field at `path` (through lists) set to `replacement`. */
function withAt(value: unknown, path: string[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  if (Array.isArray(value)) return (value as unknown[]).map((item) => withAt(item, path, replacement));
  if (typeof value !== 'object' || value === null || !(path[0]! in value)) return value;
  return { ...value, [path[0]!]: withAt((value as Record<string, unknown>)[path[0]!], path.slice(1), replacement) };
}

/** Each sample once with every enum's and literal's every option at each place it holds one. */
function* everyOption(schema: z.ZodType, samples: readonly unknown[]): Generator<unknown> {
  for (const [path, options] of schemaPaths(schema))
    for (const sample of samples) if (samplePaths(sample).has(path)) for (const option of options) yield withAt(sample, path.split('.'), option);
}

/** A valid `values` object for a reason code, made from the zod schema's own shape. */
function sampleValues(shape: Record<string, z.ZodType>): Record<string, unknown> {
  const sample = (field: z.ZodType): unknown => {
    const def = field._zod.def as { type: string; format?: string };
    if (def.type === 'array') return ['JUSTIFY', 'MFA'];
    if (def.type === 'number') return 3;
    return def.format === 'datetime' ? AT : 'some text';
  };
  return Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, sample(field)]));
}

const subject = { requestId: 'r1', executable: '/usr/bin/true', commandLine: '/usr/bin/true', sha256: 'ab', policyNames: ['p'] };
const base = { promptId: 'p1', subject, createdAt: AT, expiresAt: AT };
const who = { uid: 1000, name: 'ana' };
const PROMPTS: PromptShow[] = [
  { ...base, kind: 'justification', control: 'JUSTIFY', justification: { minLength: 1, maxLength: 2000, offline: false } },
  {
    ...base,
    kind: 'message',
    control: 'NOTIFY',
    message: {
      text: 'hi',
      requiresAcknowledge: true,
      tone: 'warning',
      reasonDetail: { code: 'approval-denied-comment', values: { approver: 'bo', comment: 'no' } },
    },
  },
  { ...base, kind: 'operatorApproval', control: 'OPERATORAPPROVAL', operatorApproval: { agentProcess: 'claude', aiLikelihoodPercent: 90, onTimeout: 'deny' } },
  { ...base, kind: 'mfa', control: 'MFA', mfa: { enrolled: true, actionType: 'elevate', sessionMinutes: 15 } },
  {
    ...base,
    kind: 'approval',
    control: 'APPROVAL',
    approval: {
      approvalId: 'a1',
      status: 'Approved',
      justification: 'why',
      sentTo: { users: ['bo'], groups: ['admins'] },
      escalatedAt: AT,
      expiresAt: AT,
      nextStep: 'escalate',
      decisionReason: null,
      decision: { by: who, at: AT, reason: 'ok', usableUntil: AT },
      quorum: { required: 2, approvals: [{ by: who, at: AT }] },
    },
    offlineApproval: { challenge: 'ABCDEFGHJK', machine: 'm1', expiresAt: AT, attemptsLeft: 3, justification: 'why' },
  },
];

describe('prompt checks without zod', () => {
  it("use zod's own pattern for a date and time", () => {
    expect(DATETIME.source).toBe(regexes.datetime({}).source);
  });

  it('know every reason code of the protocol, and no other', () => {
    expect(Object.keys(REASON_VALUES).sort()).toEqual([...REASON_CODES].sort());
  });

  it.each(PROMPTS.map((prompt) => [prompt.kind, prompt] as const))('take and refuse what zod does for a queue with a %s prompt', (_kind, prompt) => {
    expect(expectAllSameAsZod(PromptQueueView, checkPromptQueueView, { current: prompt, waiting: 2 })).toBeGreaterThan(500);
  });

  it('take and refuse what zod does for an empty queue', () => {
    expectAllSameAsZod(PromptQueueView, checkPromptQueueView, { current: null, waiting: 0 });
  });

  it("read every reason code's values as zod does, and a malformed one as absent", () => {
    for (const option of ReasonDetail.options) {
      const detail = { code: option.shape.code.value, values: sampleValues(option.shape.values.shape) };
      expectAllSameAsZod(ReceivedReasonDetail, (value) => checkPromptRespondResult({ accepted: false, reasonDetail: value }, '').reasonDetail, detail);
    }
  });

  it('take and refuse what zod does for the result of an answer', () => {
    const result = { accepted: false, problem: 'no', reason: 'locked', retriesLeft: 0, lockedUntil: AT, reasonDetail: { code: 'mfa-locked', values: {} } };
    expectAllSameAsZod(PromptRespondResult, checkPromptRespondResult, result);
    expectAllSameAsZod(PromptRespondResult, checkPromptRespondResult, { accepted: true });
  });

  it("take and refuse what zod does for the web shell's messages", () => {
    for (const message of [
      { t: 'result', id: 2, value: { any: ['thing'] } },
      { t: 'failure', id: 2, error: { name: 'Error', message: 'no', code: 'E' } },
      { t: 'next', id: 1, value: null },
      { t: 'streamError', id: 1, error: { name: 'Error', message: 'no', code: 3 } },
      { t: 'complete', id: 1 },
    ])
      expectAllSameAsZod(ServerMessage, checkServerMessage, message);
  });

  it("cover every key of the queue's schema in the samples, and take and refuse what zod does for every option of its enums", () => {
    const queues = PROMPTS.map((prompt) => ({ current: prompt, waiting: 1 }));
    const covered = new Set(queues.flatMap((queue) => [...samplePaths(queue)]));
    // Each reason code's own values are the next case's (every code, from its schema).
    const uncovered = [...schemaPaths(PromptQueueView).keys()].filter((path) => !covered.has(path) && !path.startsWith('current.message.reasonDetail.values.'));
    expect(uncovered).toEqual([]);
    let tried = 0;
    for (const input of everyOption(PromptQueueView, queues)) {
      expectSameAsZod(PromptQueueView, checkPromptQueueView, input);
      tried++;
    }
    expect(tried).toBeGreaterThan(100);
  });

  it('say where a refused value is wrong', () => {
    expect(() => checkPromptQueueView({ current: { ...PROMPTS[0], createdAt: 'now' }, waiting: 0 }, '')).toThrow(
      'current.createdAt: expected an ISO date and time in UTC',
    );
  });
});
