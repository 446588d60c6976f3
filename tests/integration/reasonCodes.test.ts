import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentSetOnline,
  ElevationHistory,
  ElevationRequest,
  ElevationStatus,
  PromptRespond,
  PromptShowNotification,
  type ReasonDetail,
} from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { approvalOf } from '../support/approvals.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, settledState } from '../support/policyFixtures.ts';

/**
 * Every decision carries its reason as a code plus values next to the English text, and the agent
 * returns the same detail from elevation.request, elevation.status and elevation.history.
 */
const EXPIRY_MINUTES = 20;

describe('reason codes over the real agent', () => {
  const sandbox = policyAgentSandbox();
  let desktop: AgentClient;

  beforeAll(async () => {
    await sandbox.start({
      apps: {
        'col-deny': '/usr/bin/false',
        'col-allow': '/usr/bin/true',
        'col-approval': '/usr/bin/date',
        'col-justify': '/usr/bin/id',
        'col-session': '/usr/bin/env',
      },
      policies: [
        appPolicy('pol-deny', 'col-deny', ['DENY'], { PolicyName: 'No false' }),
        appPolicy('pol-allow', 'col-allow', ['ALLOW']),
        appPolicy('pol-approval', 'col-approval', ['APPROVAL']),
        appPolicy('pol-justify', 'col-justify', ['JUSTIFY']),
        appPolicy('pol-session', 'col-session', ['JUSTIFY'], { PolicyName: 'Env session', Extension: { ElevatedSession: 30 } }),
      ],
      // Nobody to escalate to: the approval expires by the agent's own timer, which the case skips its clock past (--time-skip).
      config: { approvals: { administrators: { users: ['root'] }, requestExpiryMinutes: EXPIRY_MINUTES } },
      extra: ['--time-skip'],
    });
    desktop = await connectClient(sandbox.socket, 'desktop');
    desktop.onNotification(PromptShowNotification, (prompt) => {
      if (prompt.kind === 'justification')
        void desktop.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'justification', text: 'Reason code test justification' } });
    });
  });

  afterAll(async () => {
    desktop?.close();
    await sandbox.dispose();
  });

  const request = (executable: string) => desktop.request(ElevationRequest, { executable, arguments: [], cwd: '/' });
  const historyOf = async (requestId: string) => (await desktop.request(ElevationHistory, { limit: 50 })).requests.find((r) => r.requestId === requestId);
  const storedDetail = (requestId: string) => {
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    const row = db.prepare('SELECT reason_detail_json FROM elevation_requests WHERE id = ?').get(requestId) as { reason_detail_json: string | null };
    db.close();
    return row.reason_detail_json === null ? null : (JSON.parse(row.reason_detail_json) as ReasonDetail);
  };

  /** The same detail from all three methods and the stored row, with the English reason unchanged beside it. */
  async function expectEverywhere(requestId: string, reason: string, detail: ReasonDetail) {
    expect(await desktop.request(ElevationStatus, { requestId })).toMatchObject({ reason, reasonDetail: detail });
    expect(await historyOf(requestId)).toMatchObject({ reason, reasonDetail: detail });
    expect(storedDetail(requestId)).toEqual(detail);
  }

  it('a deny by policy names the policy', async () => {
    const result = await request('/usr/bin/false');
    const detail: ReasonDetail = { code: 'policy-deny', values: { policy: 'No false' } };
    expect(result.decision).toMatchObject({ outcome: 'deny', reason: 'Denied by policy "No false".', reasonDetail: detail });
    await expectEverywhere(result.requestId, 'Denied by policy "No false".', detail);
  });

  it('an allow by policy', async () => {
    const result = await request('/usr/bin/true');
    const detail: ReasonDetail = { code: 'policy-allow', values: {} };
    expect(result.decision).toMatchObject({ outcome: 'allow', reasonDetail: detail });
    await expectEverywhere(result.requestId, 'Allowed by policy.', detail);
  });

  it('controls first name what they need, then, once passed, say so', async () => {
    const result = await request('/usr/bin/id');
    expect(result.decision.reasonDetail).toEqual({ code: 'policy-controls', values: { controls: ['JUSTIFY'] } });
    expect((await settledState(desktop, result.requestId)).state).toBe('allowed');
    await expectEverywhere(result.requestId, 'Every control passed.', { code: 'controls-passed', values: {} });
  });

  it('an elevated session names its policy and when it ends', async () => {
    const first = await request('/usr/bin/env');
    expect((await settledState(desktop, first.requestId)).state).toBe('allowed');
    const second = await request('/usr/bin/env');
    const until = second.grant!.expiresAt;
    const detail: ReasonDetail = { code: 'elevated-session', values: { policy: 'Env session', until } };
    expect(second.decision.reasonDetail).toEqual(detail);
    await expectEverywhere(second.requestId, `Elevated session from policy "Env session" is valid until ${until}.`, detail);
  });

  it('an approval nobody decides in time expires', async () => {
    const result = await request('/usr/bin/date');
    await approvalOf(desktop, result.requestId);
    await sandbox.agent.skipTime(EXPIRY_MINUTES * 60_000);
    expect((await settledState(desktop, result.requestId)).state).toBe('denied');
    await expectEverywhere(result.requestId, 'The approval request expired before anyone decided it.', { code: 'approval-expired', values: {} });
  });

  it('offline, controls that need the network name those controls', async () => {
    await desktop.request(AgentSetOnline, { online: false });
    try {
      const result = await request('/usr/bin/date');
      const detail: ReasonDetail = { code: 'offline-needs-network', values: { controls: ['APPROVAL'] } };
      expect(result.decision.reasonDetail).toEqual(detail);
      await expectEverywhere(result.requestId, 'The agent is offline, and APPROVAL needs a network connection.', detail);
    } finally {
      await desktop.request(AgentSetOnline, { online: true });
    }
  });

  it('a row an older agent wrote (no detail) still reads, with the English reason only', async () => {
    const result = await request('/usr/bin/false');
    const db = new Database(join(sandbox.dataDir, 'agent.db'));
    db.prepare('UPDATE elevation_requests SET reason_detail_json = NULL WHERE id = ?').run(result.requestId);
    db.close();
    const status = await desktop.request(ElevationStatus, { requestId: result.requestId });
    expect(status.reason).toBe('Denied by policy "No false".');
    expect(status.reasonDetail).toBeUndefined();
    expect((await historyOf(result.requestId))?.reasonDetail).toBeUndefined();
  });
});
