import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualScheduler } from '../../../../tests/support/manualScheduler.ts';
import type { AuditLog } from '../audit/auditLog.ts';
import { agentConnections } from '../../../../tests/support/agentConnections.ts';
import { openAgentDatabase, type AgentDatabase } from '../store/database.ts';
import { ApprovalService } from './approvalService.ts';
import { ApprovalSettings } from './approvalSettings.ts';

const MINUTE = 60_000;
const USABLE_MINUTES = 15;

/**
 * An approved request is usable for approvedUsableMinutes and then lapses: asking again after that
 * files a new request. Time is the injected clock, moved by the test (no waiting).
 * tests/integration/controlScenarios.test.ts covers reuse through the real agent.
 */
describe('the approved-request window', () => {
  let dir: string;
  let db: AgentDatabase;
  let scheduler: ManualScheduler;
  let service: ApprovalService;
  const application = { path: '/usr/bin/true', sha256: 'b'.repeat(64), commandLine: '/usr/bin/true' };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kp-approved-window-'));
    db = openAgentDatabase(dir);
    scheduler = new ManualScheduler(new Date(2026, 10, 23, 9, 0).getTime());
    service = new ApprovalService({
      db,
      clock: { now: () => new Date(scheduler.now) },
      scheduler,
      audit: { append: () => 'id' } as unknown as AuditLog,
      ...agentConnections(),
      settings: ApprovalSettings.parse({ administrators: { users: ['root'] }, approvedUsableMinutes: USABLE_MINUTES }),
      accounts: (uid) => Promise.resolve({ name: uid === 0 ? 'root' : 'ana', home: null, groups: [] }),
    });
    const approval = service.create({
      requestId: 'req-1',
      requester: { uid: 1000, name: 'ana' },
      machine: 'lap-17',
      application,
      cwd: '/home/ana',
      justification: 'Approve, then let it lapse',
      matchedPolicies: [],
    });
    await service.decide(0, { approvalId: approval.approvalId, decision: 'approve' });
  });

  afterEach(() => {
    service.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reusable = () => service.findReusable(1000, application.sha256, application.commandLine, '/home/ana');

  it('is reusable until the last millisecond of its window', () => {
    scheduler.advance(USABLE_MINUTES * MINUTE - 1);
    expect(reusable()).toMatchObject({ requestId: 'req-1', status: 'Approved' });
    expect(service.consume(reusable()!.approvalId, 'req-2')).toBe(true);
    expect(reusable()).toBeNull();
  });

  it('lapses at the end of its window: not found for reuse, and cannot be consumed', () => {
    const { approvalId } = reusable()!;
    scheduler.advance(USABLE_MINUTES * MINUTE);
    expect(reusable()).toBeNull();
    expect(service.consume(approvalId, 'req-2')).toBe(false);
  });
});
