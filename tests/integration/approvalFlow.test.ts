import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalsChanged, ApprovalsDecide, ApprovalsList, type Approval, type ResultOf } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { approvalOf, listedApproval } from '../support/approvals.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { startRequester, systemUser } from '../support/requesterProcess.ts';

const MINUTE = 60_000;
const ESCALATE_MINUTES = 30;
const ESCALATED_EXPIRY_MINUTES = 60;

describe('admin approval: keeper-alice asks, root (administrator) decides, over the real agent', () => {
  const sandbox = policyAgentSandbox();
  let approver: AgentClient;
  const changes: Approval[] = [];
  const pendingFor = (requestId: string) => approvalOf(approver, requestId, { statuses: ['Pending', 'Escalated'] });

  beforeAll(async () => {
    // The requester is a person at a verified desktop of their own (a fixture logind session).
    sandbox.desktopSessions.add({ user: 'keeper-alice' });
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true', 'col-false': '/usr/bin/false' },
      policies: [appPolicy('pol-true', 'col-true', ['APPROVAL', 'JUSTIFY']), appPolicy('pol-false', 'col-false', ['APPROVAL'])],
      // The agent's own timers escalate and expire; the cases that wait for them skip its clock (--time-skip).
      config: {
        approvals: {
          administrators: { users: ['root'] },
          secondaryApprovers: { users: ['daemon'] },
          escalateAfterMinutes: ESCALATE_MINUTES,
          escalatedExpiryMinutes: ESCALATED_EXPIRY_MINUTES,
        },
      },
      extra: ['--time-skip'],
      openToOtherUsers: true,
    });
    approver = await connectClient(sandbox.socket, 'desktop');
    approver.onNotification(ApprovalsChanged, (a) => changes.push(a));
  });

  afterAll(async () => {
    approver?.close();
    await sandbox.dispose();
  });

  it('the request reaches the approver with the justification, is approved once, and the requester runs', async () => {
    const requester = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/true', 'Patch Tuesday: updating the VPN client');
    const requestId = await requester.requestId;
    const approval = await pendingFor(requestId);
    expect(approval).toMatchObject({
      status: 'Pending',
      requester: { uid: systemUser('keeper-alice').uid, name: 'keeper-alice' },
      justification: 'Patch Tuesday: updating the VPN client',
      application: { path: '/usr/bin/true' },
      matchedPolicies: [expect.objectContaining({ policyId: 'pol-true' })] as unknown,
    });
    expect(changes.some((c) => c.approvalId === approval.approvalId && c.status === 'Pending')).toBe(true);
    const decided = await approver.request(ApprovalsDecide, { approvalId: approval.approvalId, decision: 'approve', usableMinutes: 60 });
    expect(decided).toMatchObject({ status: 'Approved', decision: { by: { uid: 0, name: 'root' } } });
    expect(await requester.outcome).toEqual({ state: 'allowed', reason: 'Every control passed.' });
    await expect(approver.request(ApprovalsDecide, { approvalId: approval.approvalId, decision: 'deny' })).rejects.toMatchObject({
      code: -33006,
      message: 'this request was already approved by root',
    });
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    const events = (db.prepare('SELECT type FROM audit_events WHERE request_id = ? ORDER BY seq').all(requestId) as Array<{ type: string }>).map((e) => e.type);
    const consumed = db.prepare('SELECT consumed_at FROM approvals WHERE id = ?').get(approval.approvalId) as { consumed_at: string | null };
    db.close();
    expect(events).toEqual([
      'elevation.decided',
      'control.passed',
      'approval.requested',
      'approval.approved',
      'approval.consumed',
      'control.passed',
      'elevation.resolved',
    ]);
    expect(consumed.consumed_at).not.toBeNull();
  });

  it('a denial with a reason reaches the requester', async () => {
    const requester = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/false', 'Need to test the failure path please');
    const approval = await pendingFor(await requester.requestId);
    await approver.request(ApprovalsDecide, { approvalId: approval.approvalId, decision: 'deny', reason: 'Use the self-service portal' });
    expect(await requester.outcome).toEqual({ state: 'denied', reason: 'Denied by root: Use the self-service portal' });
  });

  it('two approvers racing on one request produce exactly one decision', async () => {
    const second = await connectClient(sandbox.socket, 'desktop');
    const requester = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/false', 'Racing approvers should not matter');
    const approval = await pendingFor(await requester.requestId);
    const results = await Promise.allSettled([
      approver.request(ApprovalsDecide, { approvalId: approval.approvalId, decision: 'approve' }),
      second.request(ApprovalsDecide, { approvalId: approval.approvalId, decision: 'deny', reason: 'no' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => r.reason as { code: number })[0]!.code).toBe(-33006);
    expect(['allowed', 'denied']).toContain((await requester.outcome).state);
    second.close();
  });

  it('a non-approver cannot list or decide, and the attempt is audited', async () => {
    const script = `
      const { AgentClient } = await import(${JSON.stringify(join(process.cwd(), 'shared/protocol/src/node/agentClient.ts'))});
      const p = await import(${JSON.stringify(join(process.cwd(), 'shared/protocol/src/common/index.ts'))});
      const c = await AgentClient.connect(${JSON.stringify(sandbox.socket)});
      await c.request(p.SessionHello, { protocolVersion: 1, client: { kind: 'desktop', name: 'x', version: '1' } });
      for (const call of [() => c.request(p.ApprovalsList, undefined), () => c.request(p.ApprovalsDecide, { approvalId: 'whatever', decision: 'approve' })]) {
        try { await call(); console.log('ALLOWED'); } catch (e) { console.log(e.code); }
      }
      c.close();`;
    const { spawnSync } = await import('node:child_process');
    const { uid, gid } = systemUser('nobody');
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid, gid, cwd: '/', encoding: 'utf8' });
    expect(run.stdout.trim().split('\n')).toEqual(['-33001', '-33001']);
  });

  it('escalates to the secondary approvers after its timeout, then expires and denies', async () => {
    const requester = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/false', 'Nobody will answer this one');
    const requestId = await requester.requestId;
    await pendingFor(requestId);
    await sandbox.agent.skipTime(ESCALATE_MINUTES * MINUTE);
    await expect.poll(async () => (await listedApproval(approver, requestId))?.status).toBe('Escalated');
    const escalated = (await listedApproval(approver, requestId))!;
    expect(escalated.escalatedAt).not.toBeNull();
    await sandbox.agent.skipTime(ESCALATED_EXPIRY_MINUTES * MINUTE);
    expect(await requester.outcome).toEqual({ state: 'denied', reason: 'The approval request expired before anyone decided it.' });
    expect((await approver.request(ApprovalsList, { statuses: ['Expired'] })).approvals.map((a) => a.requestId)).toContain(requestId);
  });

  it("each request carries the requester's history for the same application, itself excluded", async () => {
    const all = (await approver.request(ApprovalsList, undefined)).approvals;
    const aliceFalse = all.filter((a) => a.requester.name === 'keeper-alice' && a.application.path === '/usr/bin/false');
    expect(aliceFalse.length).toBeGreaterThanOrEqual(3);
    const count = (status?: string) => aliceFalse.filter((a) => !status || a.status === status).length;
    for (const approval of aliceFalse) {
      expect(approval.requesterHistory).toEqual({
        asked: count() - 1,
        approved: count('Approved') - (approval.status === 'Approved' ? 1 : 0),
        denied: count('Denied') - (approval.status === 'Denied' ? 1 : 0),
      });
    }
    expect(aliceFalse.find((a) => a.status === 'Denied')!.requesterHistory!.denied).toBe(count('Denied') - 1);
    // The one request for /usr/bin/true has no history of its own.
    expect(all.find((a) => a.application.path === '/usr/bin/true')!.requesterHistory).toEqual({ asked: 0, approved: 0, denied: 0 });
    // The notification carries it too.
    expect(changes.at(-1)!.requesterHistory).toBeDefined();
  });

  it('pages the list: every request exactly once, newest first, and a bad page is refused', async () => {
    const all = (await approver.request(ApprovalsList, undefined)).approvals;
    const first = await approver.request(ApprovalsList, { limit: 2 });
    expect(first.approvals.map((a) => a.approvalId)).toEqual(all.slice(0, 2).map((a) => a.approvalId));
    const paged: string[] = [];
    for (let offset: number | null | undefined = 0; offset !== null && offset !== undefined;) {
      const page: ResultOf<typeof ApprovalsList> = await approver.request(ApprovalsList, { limit: 2, offset });
      paged.push(...page.approvals.map((a) => a.approvalId));
      offset = page.nextOffset;
    }
    expect(paged).toEqual(all.map((a) => a.approvalId));
    await expect(approver.request(ApprovalsList, { limit: 5000 })).rejects.toMatchObject({ code: -32602 });
  });

  it('root cannot approve its own request', async () => {
    const requester = startRequester(sandbox.socket, 'root', '/usr/bin/false', 'I would like to approve myself');
    const approval = await pendingFor(await requester.requestId);
    await expect(approver.request(ApprovalsDecide, { approvalId: approval.approvalId, decision: 'approve' })).rejects.toMatchObject({
      code: -33001,
      message: 'you cannot decide your own request',
    });
    requester.child.kill();
  });

  it('kill -9 loses nothing: a pending request survives the restart and its timers resume', async () => {
    const requester = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/false', 'Survive the crash, please');
    const requestId = await requester.requestId;
    await pendingFor(requestId);
    requester.child.kill();
    approver.close();
    await sandbox.agent.kill();
    await sandbox.restart();
    approver = await connectClient(sandbox.socket, 'desktop');
    const survived = await listedApproval(approver, requestId);
    expect(survived?.status).toBe('Pending');
    // The restarted agent's clock starts unskipped, behind the times the first one wrote by all it skipped.
    await sandbox.agent.skipTime((ESCALATE_MINUTES + ESCALATED_EXPIRY_MINUTES + ESCALATE_MINUTES) * MINUTE);
    await expect.poll(async () => (await listedApproval(approver, requestId))?.status).toBe('Escalated');
    await sandbox.agent.skipTime(ESCALATED_EXPIRY_MINUTES * MINUTE);
    await expect.poll(async () => (await listedApproval(approver, requestId))?.status).toBe('Expired');
  });
});
