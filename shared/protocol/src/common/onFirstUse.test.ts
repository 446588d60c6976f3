import type { MessageConnection } from 'vscode-jsonrpc/node';
import { describe, expect, it } from 'vitest';
import { handle } from '../node/rpcServer.ts';
import * as protocol from './index.ts';
import type { RequestDescriptor } from './method.ts';

/*
 * Schemas built on first use (method.ts, `onFirstUse`) refuse and parse as the built schema. What a fresh process
 * builds, and when: tests/integration/protocolOnFirstUse.test.ts.
 */

/** The refusal a handler registered with `handle` gives for these params. */
async function refusal(descriptor: RequestDescriptor, params: unknown): Promise<string> {
  let registered: ((...args: unknown[]) => Promise<unknown>) | undefined;
  const connection = { onRequest: (_method: string, handler: (...args: unknown[]) => Promise<unknown>) => (registered = handler) };
  handle(
    connection as unknown as MessageConnection,
    descriptor,
    () => ({}),
    () => {
      throw new Error('the params were accepted');
    },
    () => {},
  );
  try {
    await registered!(params, {});
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('no refusal');
}

describe('refusals of bad params, word for word as before the schemas were built on first use', () => {
  // Captured from the session's start (dd2d1ad), where every schema was built at import.
  const cases: Array<[RequestDescriptor, unknown, string]> = [
    [
      protocol.PromptRespond,
      { promptId: '', response: { kind: 'mfa', code: '12a' } },
      'invalid params for prompt.respond: ✖ Too small: expected string to have >=1 characters\n  → at promptId\n✖ six digits\n  → at response.code',
    ],
    [
      protocol.PromptRespond,
      { promptId: 'p1', response: { kind: 'nope' } },
      "invalid params for prompt.respond: ✖ Invalid discriminator value. Expected 'justification' | 'mfa' | 'operatorApproval' | 'message' | 'offlineApproval' | 'cancel'\n  → at response.kind",
    ],
    [
      protocol.JobsRun,
      { jobId: '', parameters: { '1bad': 'x', good: 5 } },
      'invalid params for jobs.run: ✖ Too small: expected string to have >=1 characters\n  → at jobId\n✖ Invalid key in record\n  → at parameters.1bad\n✖ Invalid input: expected string, received number\n  → at parameters.good',
    ],
    [
      protocol.ApprovalsDecide,
      { approvalId: 'a', decision: 'maybe', usableMinutes: 0.5, reason: 7 },
      'invalid params for approvals.decide: ✖ Invalid option: expected one of "approve"|"deny"\n  → at decision\n✖ Invalid input: expected string, received number\n  → at reason\n✖ Invalid input: expected int, received number\n  → at usableMinutes',
    ],
    [
      protocol.MfaEnrollConfirm,
      { enrollmentId: '', code: '12345' },
      'invalid params for mfa.enroll.confirm: ✖ Too small: expected string to have >=1 characters\n  → at enrollmentId\n✖ six digits\n  → at code',
    ],
    [
      protocol.EditOpen,
      { path: 'relative/file', cwd: '' },
      'invalid params for edit.open: ✖ an absolute path\n  → at path\n✖ Too small: expected string to have >=1 characters\n  → at cwd',
    ],
    [
      protocol.AuditQuery,
      { afterSeq: -1, types: [''], limit: 5000 },
      'invalid params for audit.query: ✖ Too small: expected number to be >=0\n  → at afterSeq\n✖ Too big: expected number to be <=1000\n  → at limit\n✖ Too small: expected string to have >=1 characters\n  → at types[0]',
    ],
    [
      protocol.ElevationInput,
      { runId: 'r', data: 'not base64!', signal: 'SIGKILL' },
      'invalid params for elevation.input: ✖ base64\n  → at data\n✖ Invalid option: expected one of "SIGINT"|"SIGTERM"|"SIGHUP"\n  → at signal',
    ],
    [protocol.ElevationStatus, {}, 'invalid params for elevation.status: ✖ Invalid input: expected string, received undefined\n  → at requestId'],
    [protocol.GrantsList, { includeEnded: 'yes' }, 'invalid params for grants.list: ✖ Invalid input: expected boolean, received string\n  → at includeEnded'],
  ];
  it.each(cases)('%#: %s', async (descriptor, params, expected) => {
    expect(await refusal(descriptor, params)).toBe(expected);
  });
});

describe('params parsed by schemas built on first use', () => {
  it('get their defaults and transforms as before', () => {
    expect(protocol.AuditQuery.params.parse({})).toEqual({ limit: 200 });
    expect(protocol.AuditQuery.params.parse(null)).toBeNull();
    expect(protocol.GrantsList.params.parse({})).toEqual({ includeEnded: false });
    expect(protocol.ElevationHistory.params.parse(undefined)).toBeUndefined();
    expect(protocol.ApprovalsDecide.params.parse({ approvalId: 'a', decision: 'approve', reason: '  ok  ' })).toEqual({
      approvalId: 'a',
      decision: 'approve',
      reason: 'ok',
    });
    expect(protocol.PromptRespond.params.parse({ promptId: 'p', response: { kind: 'offlineApproval', approver: ' ann ', code: 'ABC' } })).toEqual({
      promptId: 'p',
      response: { kind: 'offlineApproval', approver: 'ann', code: 'ABC' },
    });
  });
});
