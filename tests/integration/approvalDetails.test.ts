import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApprovalsDecide,
  ElevationRequest,
  MfaEnrollBegin,
  MfaEnrollConfirm,
  PromptRespond,
  PromptShowNotification,
  type PromptShow,
} from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { listedApproval } from '../support/approvals.ts';
import { issueEnrollmentCode } from '../support/enrollmentCode.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, settledState } from '../support/policyFixtures.ts';
import { codeAt } from '../support/totp.ts';

/**
 * What approvers see about a request beyond the command: the publisher the agent verified (none on
 * Linux: null, never a made-up name) and the requester's MFA verification, which with the precedence
 * Approval → MFA only exists once the request was approved and the code entered.
 */
describe("approval details: publisher and MFA identity come from the agent's records", () => {
  const sandbox = policyAgentSandbox();
  let client: AgentClient;
  const prompts: PromptShow[] = [];
  const prompt = async (kind: PromptShow['kind']) => {
    await expect.poll(() => prompts.some((p) => p.kind === kind), { timeout: 8_000 }).toBe(true);
    return prompts.find((p) => p.kind === kind)!;
  };

  beforeAll(async () => {
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true' },
      policies: [appPolicy('pol-true', 'col-true', ['APPROVAL', 'MFA'])],
      config: { approvals: { administrators: { users: ['root'], groups: [] }, allowSelfApproval: true } },
    });
    client = await connectClient(sandbox.socket, 'desktop');
    client.onNotification(PromptShowNotification, (p) => prompts.push(p));
  });

  afterAll(async () => {
    client?.close();
    await sandbox.dispose();
  });

  it('lists no signer and no MFA while the request waits, and the MFA verification (who, when) once it was done', async () => {
    const { requestId } = await client.request(ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: '/' });
    await client.request(PromptRespond, {
      promptId: (await prompt('justification')).promptId,
      response: { kind: 'justification', text: 'Details test: publisher and MFA' },
    });
    await prompt('approval');
    const waiting = (await listedApproval(client, requestId))!;
    expect(waiting.application.signer).toBeNull();
    expect(waiting.mfa).toBeNull();
    expect(waiting.matchedPolicies[0]!.controls).toEqual(['APPROVAL', 'MFA']);

    await client.request(ApprovalsDecide, { approvalId: waiting.approvalId, decision: 'approve' });
    const mfa = await prompt('mfa');
    const enrollment = await client.request(MfaEnrollBegin, { enrollmentCode: await issueEnrollmentCode(sandbox.dataDir, 'root') });
    await client.request(MfaEnrollConfirm, { enrollmentId: enrollment.enrollmentId, code: await codeAt(enrollment.secret, 0) });
    const next = await codeAt(enrollment.secret, 30);
    expect(await client.request(PromptRespond, { promptId: mfa.promptId, response: { kind: 'mfa', code: next } })).toEqual({ accepted: true });
    expect(await settledState(client, requestId)).toMatchObject({ state: 'allowed', passed: ['JUSTIFY', 'APPROVAL', 'MFA'] });

    const done = (await listedApproval(client, requestId))!;
    expect(done.mfa).toEqual({ verifiedAt: expect.any(String) as unknown, user: { uid: 0, name: 'root' } });
    expect(Date.parse(done.mfa!.verifiedAt)).toBeGreaterThanOrEqual(Date.parse(done.decision!.at));
    // Straight from the agent's SQLite file: the record holds no publisher, and the MFA is the audited one.
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    const row = db.prepare('SELECT signer FROM approvals WHERE request_id = ?').get(requestId) as { signer: string | null };
    const audited = db.prepare(`SELECT at FROM audit_events WHERE request_id = ? AND type = 'mfa.verified'`).all(requestId) as Array<{ at: string }>;
    db.close();
    expect(row.signer).toBeNull();
    expect(audited).toEqual([{ at: done.mfa!.verifiedAt }]);
  });
});
