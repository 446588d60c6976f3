import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FleetApproval } from '../../../../shared/protocol/src/common/fleet.ts';
import { ManualScheduler } from '../../../../tests/support/manualScheduler.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { agentConnections } from '../../../../tests/support/agentConnections.ts';
import { openAgentDatabase, type AgentDatabase } from '../store/database.ts';
import { ApprovalService, type NewApproval } from './approvalService.ts';
import { ApprovalSettings } from './approvalSettings.ts';

const request: NewApproval = {
  requestId: 'req-1',
  requester: { uid: 1001, name: 'keeper-alice' },
  machine: 'machine-a',
  application: { path: '/usr/bin/true', sha256: 'a'.repeat(64), commandLine: '/usr/bin/true', signer: null },
  cwd: '/tmp',
  justification: 'needed',
  matchedPolicies: [],
};

/**
 * With a fleet, the server decides and this store mirrors: what the server sends can only settle a
 * request this machine filed, once, and never widens what runs or for how long.
 */
describe('approvals mirrored from a fleet', () => {
  let dir: string;
  let db: AgentDatabase;
  let scheduler: ManualScheduler;
  let service: ApprovalService;
  let filed: FleetApproval;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kp-approvals-remote-'));
    db = openAgentDatabase(dir);
    scheduler = new ManualScheduler(Date.parse('2026-12-07T09:00:00Z'));
    const now = () => new Date(scheduler.now);
    service = new ApprovalService({
      db,
      clock: { now },
      scheduler,
      audit: { append: () => 'id' } as unknown as AuditLog,
      ...agentConnections(),
      settings: ApprovalSettings.parse({ approvedUsableMinutes: 60 }),
      accounts: () => Promise.resolve({ name: 'keeper-alice', home: null, groups: [] }),
      remote: {
        file: (input) => {
          filed = {
            approvalId: '7d3c1d5e-6d1c-4a8e-9f6a-1f6f1f0f0a01',
            requestId: input.requestId,
            status: 'Pending',
            requester: { uid: input.requester.uid, name: input.requester.name },
            machine: 'machine-a',
            application: { ...input.application, signer: null },
            cwd: input.cwd,
            justification: input.justification,
            matchedPolicies: [],
            createdAt: now().toISOString(),
            expiresAt: new Date(scheduler.now + 30 * 60_000).toISOString(),
            escalatedAt: null,
            decision: null,
            group: 'engineering',
            workingDirectory: input.cwd,
          };
          return Promise.resolve(filed);
        },
      },
    });
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const approved = (over: Partial<FleetApproval> = {}): FleetApproval => ({
    ...filed,
    status: 'Approved',
    decision: {
      by: { uid: 1002, name: 'keeper-bob' },
      at: new Date(scheduler.now).toISOString(),
      reason: null,
      usableUntil: new Date(scheduler.now + 365 * 24 * 60 * 60_000).toISOString(),
    },
    ...over,
  });

  it("files on the server and mirrors under the server's id, with no local timers", async () => {
    const approval = await service.open(request);
    expect(approval).toMatchObject({ approvalId: filed.approvalId, status: 'Pending', application: { path: '/usr/bin/true' }, cwd: '/tmp' });
    expect(scheduler.pending).toBe(0);
  });

  it('a decision for a request this machine did not file changes nothing', async () => {
    await service.open(request);
    service.applyRemote(approved({ approvalId: '00000000-0000-4000-8000-000000000000' }));
    service.applyRemote(approved({ requestId: 'someone-elses-request' }));
    expect(service.findReusable(1001, 'a'.repeat(64), '/usr/bin/true', '/tmp')).toMatchObject({ status: 'Pending' });
  });

  it('an approval settles the waiting request, is usable no longer than this agent allows, and is used once', async () => {
    const approval = await service.open(request);
    const waiting = service.waitForDecision(approval.approvalId);
    service.applyRemote(approved({ application: { path: '/bin/sh', sha256: null, commandLine: '/bin/sh -c id', signer: null } }));
    const decided = await waiting;
    // What runs is what this machine asked for, whatever the server's copy says.
    expect(decided).toMatchObject({
      status: 'Approved',
      application: { path: '/usr/bin/true', commandLine: '/usr/bin/true' },
      decision: { by: { name: 'keeper-bob' } },
    });
    expect(Date.parse(decided.decision!.usableUntil!)).toBe(scheduler.now + 60 * 60_000);
    expect(service.consume(decided.approvalId, 'req-1')).toBe(true);
    expect(service.consume(decided.approvalId, 'req-1')).toBe(false);
  });

  it('a decided request is never reopened or turned around by a later message', async () => {
    const approval = await service.open(request);
    service.applyRemote({
      ...filed,
      status: 'Denied',
      decision: { by: { uid: 1002, name: 'keeper-bob' }, at: new Date(scheduler.now).toISOString(), reason: 'no', usableUntil: null },
    });
    service.applyRemote(approved());
    expect(await service.waitForDecision(approval.approvalId)).toMatchObject({ status: 'Denied' });
    expect(service.findReusable(1001, 'a'.repeat(64), '/usr/bin/true', '/tmp')).toBeNull();
  });
});
