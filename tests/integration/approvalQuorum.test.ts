import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalsDecide, type Approval, type PromptShow } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, PROJECT_DIR } from '../support/agentProcess.ts';
import { approvalOf, listedApproval } from '../support/approvals.ts';
import { callAs, type CallOutcome } from '../support/callAs.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { systemUser } from '../support/requesterProcess.ts';

type Line = { requestId?: string; notice?: NonNullable<PromptShow['approval']>; outcome?: { state: string; reason: string }; ran?: number; refused?: string };

/**
 * keeper-alice at her own (fixture) desktop: answers the justification, asks to elevate /usr/bin/true
 * from `cwd` (each test its own folder, so no approval is reused), reports each approval notice her
 * window is shown, and once allowed runs the program (elevation.run) and reports its pid.
 */
function startQuorumRequester(socket: string, cwd: string) {
  const protocol = (file: string) => JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src', file));
  const script = `
    const { AgentClient } = await import(${protocol('node/agentClient.ts')});
    const p = await import(${protocol('common/index.ts')});
    const c = await AgentClient.connect(${JSON.stringify(socket)});
    const say = (o) => console.log(JSON.stringify(o));
    let id = null;
    c.onNotification(p.PromptShowNotification, (prompt) => {
      // Every requester of this file is keeper-alice, so an earlier one still connected sees this prompt too
      // and may answer first: the loser's refusal (prompt no longer open) must not end its process.
      if (prompt.kind === 'justification') c.request(p.PromptRespond, { promptId: prompt.promptId, response: { kind: 'justification', text: 'Two pairs of eyes for this one' } }).catch((e) => say({ refused: e.message }));
      if (prompt.kind === 'approval' && prompt.subject.requestId === id) say({ notice: prompt.approval });
    });
    c.onNotification(p.ElevationUpdated, async (u) => {
      if (u.requestId !== id || u.state === 'pending') return;
      say({ outcome: { state: u.state, reason: u.reason } });
      if (u.state === 'allowed') say({ ran: (await c.request(p.ElevationRun, { requestId: id })).pid });
      setTimeout(() => c.close(), 200);
    });
    await c.request(p.SessionHello, { protocolVersion: 1, client: { kind: 'desktop', name: 'requester', version: '1' } });
    const r = await c.request(p.ElevationRequest, { executable: '/usr/bin/true', arguments: [], cwd: ${JSON.stringify(cwd)} });
    id = r.requestId;
    say({ requestId: r.requestId });`;
  const { uid, gid } = systemUser('keeper-alice');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { uid, gid, cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: Line[] = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Line);
  });
  const first = async <K extends keyof Line>(key: K, timeout = 10_000): Promise<NonNullable<Line[K]>> => {
    await expect.poll(() => lines.some((l) => l[key] !== undefined), { timeout }).toBe(true);
    return lines.find((l) => l[key] !== undefined)![key]!;
  };
  return { child, lines, first, notices: () => lines.flatMap((l) => (l.notice ? [l.notice] : [])) };
}

const approvedBy = (approval: Approval | undefined) => approval?.quorum?.approvals.map((v) => v.by.name) ?? [];

describe('approval quorum (Extension.ApprovalQuorum 2): distinct approvers, never the requester, one denial ends it', () => {
  const sandbox = policyAgentSandbox();
  let root: AgentClient;
  const decideAs = (user: string, approvalId: string, decision: 'approve' | 'deny', reason?: string): Promise<CallOutcome> =>
    callAs(sandbox.socket, user, 'approvals.decide', { approvalId, decision, ...(reason ? { reason } : {}) });
  const auditOf = (requestId: string) => {
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    try {
      return (
        db.prepare('SELECT type, actor_uid, data_json FROM audit_events WHERE request_id = ? ORDER BY seq').all(requestId) as Array<{
          type: string;
          actor_uid: number | null;
          data_json: string;
        }>
      ).map((e) => ({ type: e.type, actorUid: e.actor_uid, data: JSON.parse(e.data_json) as Record<string, unknown> }));
    } finally {
      db.close();
    }
  };
  const types = (requestId: string) => auditOf(requestId).map((e) => e.type);

  beforeAll(async () => {
    sandbox.desktopSessions.add({ user: 'keeper-alice' });
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true' },
      policies: [appPolicy('pol-two', 'col-true', ['APPROVAL'], { Extension: { ApprovalQuorum: 2 } })],
      // keeper-alice is an approver too: her own request is refused for being hers, not for her role.
      config: { approvals: { administrators: { users: ['root'] }, approvers: { users: ['keeper-alice', 'keeper-bob', 'daemon'] } } },
      openToOtherUsers: true,
    });
    root = await connectClient(sandbox.socket, 'desktop');
  });

  afterAll(async () => {
    root?.close();
    await sandbox.dispose();
  });

  it('two distinct approvers reach the quorum; the queue and the requester see the first one, and each step is audited', async () => {
    const requester = startQuorumRequester(sandbox.socket, '/tmp');
    const requestId = await requester.first('requestId');
    const listed = await approvalOf(root, requestId, { statuses: ['Pending'] });
    expect(listed.quorum).toEqual({ required: 2, approvals: [] });
    const bob = await decideAs('keeper-bob', listed.approvalId, 'approve');
    expect(bob).toMatchObject({
      ok: true,
      result: { status: 'Pending', decision: null, quorum: { required: 2, approvals: [{ by: { name: 'keeper-bob', uid: systemUser('keeper-bob').uid } }] } },
    });
    expect(approvedBy(await listedApproval(root, requestId))).toEqual(['keeper-bob']);
    // The requester's pending window is told who approved so far.
    await expect.poll(() => requester.notices().some((n) => n.quorum?.approvals.length === 1), { timeout: 5_000 }).toBe(true);
    expect(requester.notices().at(-1)).toMatchObject({ status: 'Pending', quorum: { required: 2, approvals: [{ by: { name: 'keeper-bob' } }] } });
    const decided = await root.request(ApprovalsDecide, { approvalId: listed.approvalId, decision: 'approve' });
    expect(decided).toMatchObject({ status: 'Approved', decision: { by: { name: 'root' } } });
    expect(approvedBy(decided)).toEqual(['keeper-bob', 'root']);
    expect(await requester.first('outcome')).toEqual({ state: 'allowed', reason: 'Every control passed.' });
    await requester.first('ran');
    const audit = auditOf(requestId);
    expect(audit.find((e) => e.type === 'approval.requested')!.data).toMatchObject({ quorum: 2 });
    expect(audit.find((e) => e.type === 'approval.partial')).toMatchObject({
      actorUid: systemUser('keeper-bob').uid,
      data: { by: 'keeper-bob', approvals: 1, required: 2 },
    });
    expect(audit.find((e) => e.type === 'approval.approved')).toMatchObject({ actorUid: 0, data: { approvals: 2, required: 2 } });
  });

  it('the same approver approving twice counts once', async () => {
    const requester = startQuorumRequester(sandbox.socket, '/usr');
    const requestId = await requester.first('requestId');
    const { approvalId } = await approvalOf(root, requestId, { statuses: ['Pending'] });
    expect(await decideAs('keeper-bob', approvalId, 'approve')).toMatchObject({ ok: true, result: { status: 'Pending' } });
    const again = await decideAs('keeper-bob', approvalId, 'approve');
    expect(again).toMatchObject({ ok: true, result: { status: 'Pending', quorum: { required: 2 } } });
    expect(approvedBy((again as { result: Approval }).result)).toEqual(['keeper-bob']);
    expect(types(requestId).filter((t) => t === 'approval.partial')).toHaveLength(1);
    expect(await decideAs('daemon', approvalId, 'approve')).toMatchObject({ ok: true, result: { status: 'Approved', decision: { by: { name: 'daemon' } } } });
    expect((await requester.first('outcome')).state).toBe('allowed');
  });

  it('the requester cannot approve her own request, even as an approver (played as keeper-alice), and it is audited', async () => {
    const requester = startQuorumRequester(sandbox.socket, '/var');
    const requestId = await requester.first('requestId');
    const { approvalId } = await approvalOf(root, requestId, { statuses: ['Pending'] });
    expect(await decideAs('keeper-alice', approvalId, 'approve')).toMatchObject({ ok: false, code: -33001, message: 'you cannot decide your own request' });
    expect(approvedBy(await listedApproval(root, requestId))).toEqual([]);
    expect(auditOf(requestId).find((e) => e.type === 'approval.refused')).toMatchObject({
      actorUid: systemUser('keeper-alice').uid,
      data: { reason: 'self-approval' },
    });
    // One more approver still leaves it one short: her attempt counted for nothing.
    expect(await decideAs('keeper-bob', approvalId, 'approve')).toMatchObject({ ok: true, result: { status: 'Pending' } });
    await decideAs('daemon', approvalId, 'deny', 'cleaning up');
    expect((await requester.first('outcome')).state).toBe('denied');
  });

  it('one denial ends it, after a first approval; later approvers find it decided', async () => {
    const requester = startQuorumRequester(sandbox.socket, '/opt');
    const requestId = await requester.first('requestId');
    const { approvalId } = await approvalOf(root, requestId, { statuses: ['Pending'] });
    expect(await decideAs('keeper-bob', approvalId, 'approve')).toMatchObject({ ok: true, result: { status: 'Pending' } });
    expect(await decideAs('daemon', approvalId, 'deny', 'not on a Friday')).toMatchObject({
      ok: true,
      result: { status: 'Denied', decision: { by: { name: 'daemon' }, reason: 'not on a Friday' } },
    });
    expect(await requester.first('outcome')).toEqual({ state: 'denied', reason: 'Denied by daemon: not on a Friday' });
    await expect(root.request(ApprovalsDecide, { approvalId, decision: 'approve' })).rejects.toMatchObject({
      code: -33006,
      message: 'this request was already denied by daemon',
    });
    expect(types(requestId).filter((t) => t.startsWith('approval.'))).toEqual(['approval.requested', 'approval.partial', 'approval.denied']);
  });

  it('three approvers racing on a quorum of two: exactly one final decision, and the program runs once', async () => {
    const requester = startQuorumRequester(sandbox.socket, '/srv');
    const requestId = await requester.first('requestId');
    const { approvalId } = await approvalOf(root, requestId, { statuses: ['Pending'] });
    const results = await Promise.all([
      decideAs('keeper-bob', approvalId, 'approve'),
      decideAs('daemon', approvalId, 'approve'),
      root.request(ApprovalsDecide, { approvalId, decision: 'approve' }).then(
        (result): CallOutcome => ({ ok: true, result }),
        (error: { code: number; message: string }): CallOutcome => ({ ok: false, code: error.code, message: error.message }),
      ),
    ]);
    const statuses = results.map((r) => (r.ok ? (r.result as Approval).status : r.code));
    // One vote counts towards the quorum, one reaches it, the third finds it decided.
    expect(statuses.filter((s) => s === 'Pending')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'Approved')).toHaveLength(1);
    expect(statuses.filter((s) => s === -33006)).toHaveLength(1);
    expect(await requester.first('outcome')).toEqual({ state: 'allowed', reason: 'Every control passed.' });
    await requester.first('ran');
    await expect.poll(() => types(requestId).includes('elevation.ran'), { timeout: 5_000 }).toBe(true);
    const audit = types(requestId);
    expect(audit.filter((t) => t === 'approval.approved')).toHaveLength(1);
    expect(audit.filter((t) => t === 'approval.partial')).toHaveLength(1);
    expect(audit.filter((t) => t === 'approval.consumed')).toHaveLength(1);
    expect(audit.filter((t) => t === 'elevation.run.started')).toHaveLength(1);
  });
});
