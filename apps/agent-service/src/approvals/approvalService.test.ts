import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentErrorCodes, type ApprovalStatus } from '../../../../shared/protocol/src/common/index.ts';
import { ManualScheduler } from '../../../../tests/support/manualScheduler.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { agentConnections } from '../../../../tests/support/agentConnections.ts';
import { openAgentDatabase, type AgentDatabase } from '../store/database.ts';
import { ApprovalService } from './approvalService.ts';
import { ApprovalSettings } from './approvalSettings.ts';

const MINUTE = 60_000;

/**
 * Who sees what in `approvals.list`, now that the role and status filters and the page cut run in
 * SQL: a secondary approver sees only escalated requests, paged or not, and a page never changes
 * what the whole list says.
 */
describe('approvals.list filters by role and status in the store', () => {
  let dir: string;
  let db: AgentDatabase;
  let scheduler: ManualScheduler;
  let service: ApprovalService;
  const names: Record<number, string> = { 0: 'root', 1000: 'ana', 1001: 'sam' };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kp-approvals-list-'));
    db = openAgentDatabase(dir);
    scheduler = new ManualScheduler(new Date(2026, 10, 23, 9, 0).getTime());
    service = new ApprovalService({
      db,
      clock: { now: () => new Date(scheduler.now) },
      scheduler,
      audit: { append: () => 'id' } as unknown as AuditLog,
      ...agentConnections(),
      settings: ApprovalSettings.parse({ administrators: { users: ['root'] }, secondaryApprovers: { users: ['sam'] } }),
      accounts: (uid) => Promise.resolve({ name: names[uid] ?? null, home: null, groups: [] }),
    });
    // Four requests; the two oldest escalate (30 minutes after they were made), the two newest are still Pending.
    for (let i = 0; i < 4; i++) {
      service.create({
        requestId: `req-${i}`,
        requester: { uid: 1000, name: 'ana' },
        machine: 'lap-17',
        application: { path: '/usr/bin/apt-get', sha256: 'a'.repeat(64), commandLine: `/usr/bin/apt-get install pkg${i}` },
        cwd: '/home/ana',
        justification: 'Need the package',
        matchedPolicies: [],
      });
      scheduler.advance([1, 30, 1, 0][i]! * MINUTE);
    }
  });

  afterEach(() => {
    service.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const requests = async (uid: number, params: { statuses?: ApprovalStatus[]; offset?: number; limit?: number } = {}) =>
    (await service.list(uid, params)).approvals.map((a) => `${a.requestId}:${a.status}`);

  it('the administrator sees every request, newest first; the secondary approver only the escalated ones, whatever became of them', async () => {
    const escalated = (await service.list(0)).approvals.filter((a) => a.status === 'Escalated');
    expect(escalated.map((a) => a.requestId)).toEqual(['req-1', 'req-0']);
    await service.decide(1001, { approvalId: escalated[1]!.approvalId, decision: 'deny' });

    expect(await requests(0)).toEqual(['req-3:Pending', 'req-2:Pending', 'req-1:Escalated', 'req-0:Denied']);
    expect(await requests(1001)).toEqual(['req-1:Escalated', 'req-0:Denied']);
    expect(await requests(1001, { statuses: ['Escalated'] })).toEqual(['req-1:Escalated']);
    expect(await requests(1001, { statuses: ['Pending'] })).toEqual([]);
    // Pages count only what the caller sees.
    expect(await service.list(1001, { limit: 1 })).toMatchObject({ approvals: [{ requestId: 'req-1' }], nextOffset: 1 });
    expect(await service.list(1001, { limit: 1, offset: 1 })).toMatchObject({ approvals: [{ requestId: 'req-0' }], nextOffset: null });
    expect((await service.list(0, { limit: 2, offset: 1, statuses: ['Pending', 'Denied'] })).approvals.map((a) => a.requestId)).toEqual(['req-2', 'req-0']);
  });

  it('each record carries the same history listed whole, paged, or returned by its decision', async () => {
    const whole = (await service.list(0)).approvals;
    expect(whole.map((a) => a.requesterHistory)).toEqual(Array.from({ length: 4 }, () => ({ asked: 3, approved: 0, denied: 0 })));
    const paged = (await Promise.all([0, 1, 2, 3].map((offset) => service.list(0, { limit: 1, offset })))).flatMap((page) => page.approvals);
    expect(paged).toEqual(whole);
    const denied = await service.decide(0, { approvalId: whole[0]!.approvalId, decision: 'deny' });
    expect(denied.requesterHistory).toEqual({ asked: 3, approved: 0, denied: 0 });
    expect((await service.list(0, { limit: 1, offset: 1 })).approvals[0]!.requesterHistory).toEqual({ asked: 3, approved: 0, denied: 1 });
  });

  it('shows approvers the working directory, and an approval is reused only from the directory it covers', async () => {
    const [newest] = (await service.list(0)).approvals;
    expect(newest).toMatchObject({ requestId: 'req-3', cwd: '/home/ana' });
    await service.decide(0, { approvalId: newest!.approvalId, decision: 'approve' });
    const { sha256, commandLine } = newest!.application;
    expect(service.findReusable(1000, sha256, commandLine, '/tmp/elsewhere')).toBeNull();
    expect(service.findReusable(1000, sha256, commandLine, '/home/ana')).toMatchObject({ approvalId: newest!.approvalId, status: 'Approved' });
  });

  it('someone with no approver role is refused', async () => {
    await expect(service.list(1000, { limit: 10 })).rejects.toThrow(expect.objectContaining({ code: AgentErrorCodes.Unauthorized }));
  });
});

/** Extension.ApprovalQuorum in the store: distinct people, never the requester, one denial ends it, a vote survives a restart. */
describe('an approval quorum', () => {
  let dir: string;
  let db: AgentDatabase;
  let scheduler: ManualScheduler;
  const names: Record<number, string> = { 0: 'root', 1000: 'ana', 1001: 'sam', 1002: 'kim' };
  const events: Array<{ type: string; data: unknown }> = [];
  const open = () =>
    new ApprovalService({
      db,
      clock: { now: () => new Date(scheduler.now) },
      scheduler,
      audit: { append: (event: { type: string; data: unknown }) => void events.push(event) } as unknown as AuditLog,
      ...agentConnections(),
      // Self-approval is allowed here, and still never counts towards a quorum.
      settings: ApprovalSettings.parse({ administrators: { users: ['root'] }, approvers: { users: ['ana', 'sam', 'kim'] }, allowSelfApproval: true }),
      accounts: (uid) => Promise.resolve({ name: names[uid] ?? null, home: null, groups: [] }),
    });
  const request = (service: ApprovalService, requestId: string, quorum: number) =>
    service.create({
      requestId,
      requester: { uid: 1000, name: 'ana' },
      machine: 'lap-17',
      application: { path: '/usr/bin/apt-get', sha256: 'a'.repeat(64), commandLine: `/usr/bin/apt-get install ${requestId}` },
      cwd: '/home/ana',
      justification: 'Need the package',
      matchedPolicies: [],
      quorum,
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kp-approvals-quorum-'));
    db = openAgentDatabase(dir);
    scheduler = new ManualScheduler(new Date(2026, 10, 23, 9, 0).getTime());
    events.length = 0;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('needs two distinct approvers other than the requester; a repeat counts once; the vote survives a restart', async () => {
    let service = open();
    const { approvalId } = request(service, 'req-q', 2);
    await expect(service.decide(1000, { approvalId, decision: 'approve' })).rejects.toMatchObject({
      code: AgentErrorCodes.Unauthorized,
      message: 'you cannot decide your own request',
    });
    expect(await service.decide(1001, { approvalId, decision: 'approve' })).toMatchObject({
      status: 'Pending',
      quorum: { required: 2, approvals: [{ by: { uid: 1001, name: 'sam' } }] },
    });
    expect((await service.decide(1001, { approvalId, decision: 'approve' })).quorum!.approvals).toHaveLength(1);
    service.stop();
    service = open();
    service.resume();
    const approved = await service.decide(1002, { approvalId, decision: 'approve' });
    expect(approved).toMatchObject({ status: 'Approved', decision: { by: { name: 'kim' } } });
    expect(approved.quorum!.approvals.map((v) => v.by.name)).toEqual(['sam', 'kim']);
    expect(events.filter((e) => e.type.startsWith('approval.') && e.type !== 'approval.refused').map((e) => [e.type, e.data])).toEqual([
      ['approval.requested', expect.objectContaining({ quorum: 2 })],
      ['approval.partial', expect.objectContaining({ by: 'sam', approvals: 1, required: 2 })],
      ['approval.approved', expect.objectContaining({ approvals: 2, required: 2 })],
    ]);
    service.stop();
  });

  it('one denial ends it; without a quorum the requester may still approve their own, as configured', async () => {
    const service = open();
    const quorum = request(service, 'req-deny', 3);
    await service.decide(1001, { approvalId: quorum.approvalId, decision: 'approve' });
    expect(await service.decide(1002, { approvalId: quorum.approvalId, decision: 'deny' })).toMatchObject({
      status: 'Denied',
      decision: { by: { name: 'kim' } },
    });
    await expect(service.decide(0, { approvalId: quorum.approvalId, decision: 'approve' })).rejects.toMatchObject({ code: AgentErrorCodes.Conflict });
    const single = request(service, 'req-one', 1);
    expect(single.quorum).toBeUndefined();
    expect(await service.decide(1000, { approvalId: single.approvalId, decision: 'approve' })).toMatchObject({ status: 'Approved' });
    service.stop();
  });
});
