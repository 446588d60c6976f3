import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalsChanged, ApprovalsDecide, type Approval, type PromptShow } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, PROJECT_DIR } from '../support/agentProcess.ts';
import { listedApproval } from '../support/approvals.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy } from '../support/policyFixtures.ts';
import { systemUser } from '../support/requesterProcess.ts';

type Line = {
  requestId?: string;
  show?: PromptShow;
  closed?: { promptId: string; reason: string };
  outcome?: { state: string; reason: string };
  refused?: string;
};

interface PendingRequester {
  readonly child: ChildProcess;
  readonly lines: Line[];
  /** Answers the current `approval` notice with cancel: withdraws the request. */
  withdraw(): void;
}

/**
 * A requester as another real OS user (a person, with a fixture login session the agent verifies as
 * her desktop): it answers the justification,
 * asks to elevate, and reports every `approval` notice shown or closed, and its final state. A line
 * on stdin withdraws the request (a `cancel` answer to the notice).
 */
function startPendingRequester(socket: string, executable: string, justification: string): PendingRequester {
  const protocol = (file: string) => JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src', file));
  const script = `
    const { AgentClient } = await import(${protocol('node/agentClient.ts')});
    const p = await import(${protocol('common/index.ts')});
    const c = await AgentClient.connect(${JSON.stringify(socket)});
    const say = (o) => console.log(JSON.stringify(o));
    let notice = null;
    c.onNotification(p.PromptShowNotification, (prompt) => {
      // Only this request's prompt: a requester of an earlier case may still be connected as the same
      // user, and the losing answer to a shared prompt is refused (unhandled, it would end this process).
      if (prompt.kind === 'justification' && prompt.subject.requestId === id)
        void c.request(p.PromptRespond, { promptId: prompt.promptId, response: { kind: 'justification', text: ${JSON.stringify(justification)} } }).catch((e) => say({ refused: String(e.message) }));
      // Only this request's notice: decided notices of earlier requests stay up and are re-sent to a new session.
      if (prompt.kind === 'approval' && prompt.subject.requestId === id) { notice = prompt.promptId; say({ show: prompt }); }
    });
    c.onNotification(p.PromptClosedNotification, (closed) => { if (closed.promptId === notice) say({ closed }); });
    let id = null;
    c.onNotification(p.ElevationUpdated, (u) => {
      if (u.requestId === id && u.state !== 'pending') { say({ outcome: { state: u.state, reason: u.reason } }); setTimeout(() => c.close(), 200); }
    });
    process.stdin.on('data', () => void c.request(p.PromptRespond, { promptId: notice, response: { kind: 'cancel' } }).then((r) => say({ withdrawn: r })));
    await c.request(p.SessionHello, { protocolVersion: 1, client: { kind: 'desktop', name: 'requester', version: '1' } });
    const r = await c.request(p.ElevationRequest, { executable: ${JSON.stringify(executable)}, arguments: [], cwd: '/' });
    id = r.requestId;
    say({ requestId: r.requestId });`;
  const { uid, gid } = systemUser('keeper-alice');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { uid, gid, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: Line[] = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Line);
  });
  return { child, lines, withdraw: () => child.stdin.write('withdraw\n') };
}

const shown = (r: PendingRequester) => r.lines.flatMap((l) => (l.show ? [l.show] : []));
const poll = <T>(read: () => T) => expect.poll(read, { timeout: 8_000 });
const MINUTE = 60_000;
const ESCALATE_MINUTES = 30;
const ESCALATED_EXPIRY_MINUTES = 60;

describe('approval pending: the requester (keeper-alice) sees where its admin approval stands, over the real agent', () => {
  const sandbox = policyAgentSandbox();
  let approver: AgentClient;
  const approverSaw: Approval[] = [];
  const approvalOf = (requestId: string) => listedApproval(approver, requestId);

  beforeAll(async () => {
    sandbox.desktopSessions.add({ user: 'keeper-alice' });
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true', 'col-false': '/usr/bin/false' },
      policies: [appPolicy('pol-true', 'col-true', ['APPROVAL']), appPolicy('pol-false', 'col-false', ['APPROVAL'])],
      // The agent's own timers decide escalation and expiry; the cases skip its clock past them (--time-skip).
      config: {
        approvals: {
          administrators: { users: ['root'], groups: [] },
          approvers: { groups: ['it-approvers'] },
          secondaryApprovers: { users: ['daemon'] },
          escalateAfterMinutes: ESCALATE_MINUTES,
          escalatedExpiryMinutes: ESCALATED_EXPIRY_MINUTES,
        },
      },
      extra: ['--time-skip'],
      openToOtherUsers: true,
    });
    approver = await connectClient(sandbox.socket, 'desktop');
    approver.onNotification(ApprovalsChanged, (a) => approverSaw.push(a));
  });

  afterAll(async () => {
    approver?.close();
    await sandbox.dispose();
  });

  it('shows Pending with who it went to, re-sends the same notice as Escalated, then as Approved with who and until when', async () => {
    const requester = startPendingRequester(sandbox.socket, '/usr/bin/true', 'Patch Tuesday: updating the VPN client');
    await poll(() => shown(requester).length).toBeGreaterThan(0);
    const first = shown(requester)[0]!;
    expect(first).toMatchObject({
      kind: 'approval',
      control: 'APPROVAL',
      subject: { executable: '/usr/bin/true', policyNames: [expect.any(String)] as unknown },
      approval: {
        status: 'Pending',
        justification: 'Patch Tuesday: updating the VPN client',
        sentTo: { users: ['root'], groups: ['it-approvers'] },
        escalatedAt: null,
        nextStep: 'escalate',
        decisionReason: null,
      },
    });
    const requestId = first.subject.requestId;
    const pending = await approvalOf(requestId);
    expect(pending).toMatchObject({ approvalId: first.approval!.approvalId, status: 'Pending', expiresAt: first.approval!.expiresAt });

    // Escalation: the requester's notice and the approver's queue both move on.
    await sandbox.agent.skipTime(ESCALATE_MINUTES * MINUTE);
    await poll(() => shown(requester).at(-1)?.approval?.status).toBe('Escalated');
    const escalated = shown(requester).at(-1)!;
    expect(escalated.promptId).toBe(first.promptId);
    expect(escalated.approval).toMatchObject({
      status: 'Escalated',
      sentTo: { users: ['daemon', 'root'], groups: [] },
      nextStep: 'expire',
      escalatedAt: expect.any(String) as unknown,
    });
    expect(Date.parse(escalated.approval!.expiresAt)).toBeGreaterThan(Date.parse(first.approval!.expiresAt));
    await poll(async () => (await approvalOf(requestId))?.status).toBe('Escalated');
    expect(approverSaw.some((a) => a.requestId === requestId && a.status === 'Escalated')).toBe(true);

    const approved = await approver.request(ApprovalsDecide, { approvalId: first.approval!.approvalId, decision: 'approve', usableMinutes: 15 });
    await poll(() => requester.lines.find((l) => l.outcome)?.outcome).toEqual({ state: 'allowed', reason: 'Every control passed.' });
    const decided = shown(requester).at(-1)!;
    expect(decided.promptId).toBe(first.promptId);
    expect(decided.approval).toMatchObject({ status: 'Approved', decision: { by: { name: 'root' }, usableUntil: approved.decision!.usableUntil } });
    // It stays up until the requester dismisses it.
    expect(requester.lines.some((l) => l.closed)).toBe(false);
  });

  it('a denial turns the notice to Denied with the reason, which also reaches the requester through its request', async () => {
    const requester = startPendingRequester(sandbox.socket, '/usr/bin/false', 'Need to test the failure path please');
    await poll(() => shown(requester).length).toBeGreaterThan(0);
    const notice = shown(requester)[0]!;
    await approver.request(ApprovalsDecide, { approvalId: notice.approval!.approvalId, decision: 'deny', reason: 'Use the self-service portal' });
    await poll(() => requester.lines.find((l) => l.outcome)?.outcome).toEqual({ state: 'denied', reason: 'Denied by root: Use the self-service portal' });
    expect(shown(requester).at(-1)?.approval).toMatchObject({
      status: 'Denied',
      decision: { by: { name: 'root' }, reason: 'Use the self-service portal', usableUntil: null },
    });
  });

  it('an escalated request nobody decides turns the notice to Expired, with no decision', async () => {
    const requester = startPendingRequester(sandbox.socket, '/usr/bin/false', 'Nobody will answer this one');
    await poll(() => shown(requester).length).toBeGreaterThan(0);
    const notice = shown(requester)[0]!;
    await sandbox.agent.skipTime(ESCALATE_MINUTES * MINUTE);
    await poll(() => shown(requester).at(-1)?.approval?.status).toBe('Escalated');
    await sandbox.agent.skipTime(ESCALATED_EXPIRY_MINUTES * MINUTE);
    await poll(() => shown(requester).at(-1)?.approval?.status).toBe('Expired');
    expect(shown(requester).at(-1)).toMatchObject({ promptId: notice.promptId, approval: { status: 'Expired', decision: null } });
    await poll(() => requester.lines.find((l) => l.outcome)?.outcome).toEqual({
      state: 'denied',
      reason: 'The approval request expired before anyone decided it.',
    });
  });

  it('withdrawing denies the request and ends the approval Expired: approvers can no longer decide it', async () => {
    const requester = startPendingRequester(sandbox.socket, '/usr/bin/false', 'I will change my mind about this');
    await poll(() => shown(requester).length).toBeGreaterThan(0);
    const notice = shown(requester)[0]!;
    requester.withdraw();
    await poll(() => requester.lines.find((l) => l.outcome)?.outcome).toEqual({
      state: 'denied',
      reason: 'The approval request was withdrawn by the requester.',
    });
    expect(requester.lines.find((l) => l.closed)?.closed).toEqual({ promptId: notice.promptId, reason: 'cancelled' });
    const withdrawn = await approvalOf(notice.subject.requestId);
    expect(withdrawn).toMatchObject({
      status: 'Expired',
      decision: { by: { uid: systemUser('keeper-alice').uid, name: 'keeper-alice' }, reason: 'withdrawn by the requester', usableUntil: null },
    });
    expect(approverSaw.some((a) => a.approvalId === notice.approval!.approvalId && a.status === 'Expired')).toBe(true);
    await expect(approver.request(ApprovalsDecide, { approvalId: notice.approval!.approvalId, decision: 'approve' })).rejects.toMatchObject({
      code: -33003,
      message: 'the requester withdrew this request',
    });
  });
});
