import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  ElevationRequest as FullElevationRequest,
  ElevationUpdated as FullElevationUpdated,
  SessionHello as FullSessionHello,
} from '../../../shared/protocol/src/common/index.ts';
import { subsetNotification, subsetRequest } from '../../../shared/protocol/src/node/oneShotClient.ts';
import { ElevationRequest, ElevationUpdated, SessionHello } from './elevationMethods.ts';

/** What an agent answers, as the protocol's own schemas produce it. */
const fullRequestResult = FullElevationRequest.result.parse({
  requestId: 'r-1',
  state: 'allowed',
  decision: {
    outcome: 'allow',
    reason: 'allowed by policy allow-id',
    reasonDetail: { code: 'policy-allow', values: {} },
    controls: [],
    justificationWithApproval: false,
    matched: [],
    deciding: ['allow-id'],
    monitored: [],
  },
  application: { path: '/usr/bin/id', sha256: null, commandLine: '/usr/bin/id -u' },
  createdAt: '2026-12-07T05:00:00.000Z',
  grant: { grantId: 'g-1', expiresAt: '2026-12-07T06:00:00.000Z' },
  run: { runId: 'run-1', pid: 4242 },
});

describe("keeper-elevate's subset schemas", () => {
  it('accept what the protocol’s schemas produce, and keep only the fields the CLI reads', () => {
    expect(z.parse(ElevationRequest.result, fullRequestResult)).toEqual({
      requestId: 'r-1',
      state: 'allowed',
      decision: { reason: 'allowed by policy allow-id' },
      grant: { expiresAt: '2026-12-07T06:00:00.000Z' },
      run: { runId: 'run-1' },
    });
    const update = FullElevationUpdated.params.parse({
      requestId: 'r-1',
      state: 'pending',
      reason: 'waiting',
      currentControl: 'JUSTIFY',
      passed: [],
      updatedAt: '2026-12-07T05:00:00.000Z',
    });
    expect(z.parse(ElevationUpdated.params, update)).toMatchObject({ requestId: 'r-1', state: 'pending', currentControl: 'JUSTIFY' });
    const hello = FullSessionHello.result.parse({
      protocolVersion: 1,
      agentVersion: '0.1.0',
      sessionId: 's-1',
      peer: { uid: 0, gid: 0, pid: 1, userName: 'root' },
    });
    expect(z.parse(SessionHello.result, hello)).toEqual({ protocolVersion: 1, sessionId: 's-1' });
  });

  it('refuse an answer without a field the CLI reads', () => {
    expect(z.safeParse(ElevationRequest.result, { ...fullRequestResult, decision: {} }).success).toBe(false);
  });

  it('are checked against the protocol by the compiler', () => {
    // A field the protocol's result does not have, or one of another type, does not compile.
    // @ts-expect-error: no `approver` in elevation.request's result
    subsetRequest<typeof FullElevationRequest>()('elevation.request', z.object({ approver: z.string() }));
    // @ts-expect-error: requestId is a string in the protocol
    subsetRequest<typeof FullElevationRequest>()('elevation.request', z.object({ requestId: z.number() }));
    // @ts-expect-error: the method's name is the protocol's
    subsetRequest<typeof FullElevationRequest>()('elevation.requests', z.object({ requestId: z.string() }));
    // @ts-expect-error: currentControl can be null in the protocol
    subsetNotification<typeof FullElevationUpdated>()('elevation.updated', z.object({ currentControl: z.string() }));
    expect(subsetRequest<typeof FullElevationRequest>()('elevation.request', z.object({ requestId: z.string() })).method).toBe('elevation.request');
  });
});
