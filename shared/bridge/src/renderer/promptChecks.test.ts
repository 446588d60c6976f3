import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { regexes } from 'zod/v4/core';
import { PromptRespondResult, type PromptShow } from '../../../protocol/src/common/methods/prompt.ts';
import { REASON_CODES, ReasonDetail, ReceivedReasonDetail } from '../../../protocol/src/common/methods/elevation.ts';
import { PromptQueueView } from '../common/services/prompts.ts';
import { ServerMessage } from '../common/webShellWire.ts';
import { CheckFailure, DATETIME, type Check } from './plainChecks.ts';
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

  it('say where a refused value is wrong', () => {
    expect(() => checkPromptQueueView({ current: { ...PROMPTS[0], createdAt: 'now' }, waiting: 0 }, '')).toThrow(
      'current.createdAt: expected an ISO date and time in UTC',
    );
  });
});
