import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentSetOnline,
  ApprovalsDecide,
  ElevationRequest,
  PromptRespond,
  PromptShowNotification,
  type PromptShow,
} from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { approvalOf } from '../support/approvals.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, settledState } from '../support/policyFixtures.ts';
import { startRequester } from '../support/requesterProcess.ts';

/**
 * The seed's Control Reference Summary and Offline Behavior Summary, row by row, against the real
 * agent: which controls need the network, which block at once, which need a human, and what offline
 * does to each. The desktop client answers every prompt the way the row says.
 */
type Answer = 'approve' | 'deny' | 'justify' | 'none';
interface Row {
  readonly control: string;
  readonly online: boolean;
  readonly answer: Answer;
  readonly state: 'allowed' | 'denied';
  /** Whether a prompt reached the user before the outcome. */
  readonly prompted: boolean;
  readonly reason?: RegExp;
}

const ROWS: readonly Row[] = [
  { control: 'ALLOW', online: true, answer: 'none', state: 'allowed', prompted: false },
  { control: 'ALLOW', online: false, answer: 'none', state: 'allowed', prompted: false },
  { control: 'DENY', online: true, answer: 'none', state: 'denied', prompted: false, reason: /Denied by policy/ },
  { control: 'DENY', online: false, answer: 'none', state: 'denied', prompted: false, reason: /Denied by policy/ },
  { control: 'JUSTIFY', online: true, answer: 'justify', state: 'allowed', prompted: true },
  { control: 'JUSTIFY', online: false, answer: 'justify', state: 'allowed', prompted: true },
  { control: 'OPERATORAPPROVAL', online: true, answer: 'approve', state: 'allowed', prompted: true },
  { control: 'OPERATORAPPROVAL', online: true, answer: 'deny', state: 'denied', prompted: true, reason: /user at the endpoint denied/ },
  { control: 'OPERATORAPPROVAL', online: false, answer: 'none', state: 'denied', prompted: false, reason: /offline, and OPERATORAPPROVAL needs a network/ },
  { control: 'MFA', online: false, answer: 'none', state: 'denied', prompted: false, reason: /offline, and MFA needs a network/ },
  { control: 'APPROVAL', online: false, answer: 'none', state: 'denied', prompted: false, reason: /offline, and APPROVAL needs a network/ },
];

const BINARIES: Record<string, string> = {
  ALLOW: '/usr/bin/true',
  DENY: '/usr/bin/false',
  JUSTIFY: '/usr/bin/id',
  OPERATORAPPROVAL: '/usr/bin/env',
  MFA: '/usr/bin/uname',
  APPROVAL: '/usr/bin/date',
};

describe('control reference and offline behaviour, row by row (real agent)', () => {
  const sandbox = policyAgentSandbox();
  let desktop: AgentClient;
  let answer: Answer = 'none';
  const prompts: PromptShow[] = [];

  beforeAll(async () => {
    const apps = Object.fromEntries(Object.entries(BINARIES).map(([control, path]) => [`col-${control}`, path]));
    const policies = Object.keys(BINARIES).map((control) => appPolicy(`pol-${control}`, `col-${control}`, [control]));
    await sandbox.start({ apps, policies, config: { approvals: { administrators: { users: ['root'] } } } });
    desktop = await connectClient(sandbox.socket, 'desktop');
    desktop.onNotification(PromptShowNotification, (prompt) => {
      prompts.push(prompt);
      if (answer === 'justify')
        void desktop.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'justification', text: 'Scenario table justification' } });
      if (answer === 'approve' || answer === 'deny')
        void desktop.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'operatorApproval', approve: answer === 'approve' } });
    });
  });

  afterAll(async () => {
    desktop?.close();
    await sandbox.dispose();
  });

  it.each(ROWS)('$control, $online online, user answers $answer → $state', async (row) => {
    await desktop.request(AgentSetOnline, { online: row.online });
    answer = row.answer;
    const before = prompts.length;
    const result = await desktop.request(ElevationRequest, { executable: BINARIES[row.control]!, arguments: [], cwd: '/' });
    const final = result.state === 'pending' ? await settledState(desktop, result.requestId) : { state: result.state, reason: result.decision.reason };
    expect(final.state).toBe(row.state);
    if (row.reason) expect(final.reason).toMatch(row.reason);
    expect(prompts.length > before).toBe(row.prompted);
    if (row.control === 'JUSTIFY') expect(prompts.at(-1)?.justification?.offline).toBe(!row.online);
  });
});

const EXPIRY_MINUTES = 20;

describe('approval expiry without secondary approvers', () => {
  const sandbox = policyAgentSandbox();
  let approver: AgentClient;
  const listed = (requestId: string) => approvalOf(approver, requestId);

  beforeAll(async () => {
    // The requester is a person at a verified desktop of their own (a fixture logind session).
    sandbox.desktopSessions.add({ user: 'keeper-alice' });
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true', 'col-false': '/usr/bin/false' },
      policies: [appPolicy('pol-true', 'col-true', ['APPROVAL']), appPolicy('pol-false', 'col-false', ['APPROVAL'])],
      // No secondary approvers, so it expires rather than escalates, by the agent's own timer; the case skips its clock (--time-skip).
      config: { approvals: { administrators: { users: ['root'] }, requestExpiryMinutes: EXPIRY_MINUTES } },
      extra: ['--time-skip'],
      openToOtherUsers: true,
    });
    approver = await connectClient(sandbox.socket, 'desktop');
  });

  afterAll(async () => {
    approver?.close();
    await sandbox.dispose();
  });

  it('a request nobody decides expires after requestExpiryMinutes when there is no one to escalate to', async () => {
    const requester = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/false', 'Nobody decides this one in time');
    const approval = await listed(await requester.requestId);
    expect(approval.status).toBe('Pending');
    await sandbox.agent.skipTime(EXPIRY_MINUTES * 60_000);
    expect(await requester.outcome).toEqual({ state: 'denied', reason: 'The approval request expired before anyone decided it.' });
    expect((await listed(approval.requestId)).status).toBe('Expired');
    expect((await listed(approval.requestId)).escalatedAt).toBeNull();
  });
});

// Its lapse after approvedUsableMinutes is proven with the injected clock in
// apps/agent-service/src/approvals/approvedWindow.test.ts, not by waiting here.
describe('the approved-request window: reuse by asking again', () => {
  const sandbox = policyAgentSandbox();
  let approver: AgentClient;
  const listed = (requestId: string) => approvalOf(approver, requestId, { timeout: 10_000 });

  beforeAll(async () => {
    // The requester is a person at a verified desktop of their own (a fixture logind session).
    sandbox.desktopSessions.add({ user: 'keeper-alice' });
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true' },
      policies: [appPolicy('pol-true', 'col-true', ['APPROVAL'])],
      // A minute to decide; the approval stays usable far longer than starting a second requester takes.
      config: { approvals: { administrators: { users: ['root'] }, requestExpiryMinutes: 1, approvedUsableMinutes: 60 } },
      openToOtherUsers: true,
    });
    approver = await connectClient(sandbox.socket, 'desktop');
  });

  afterAll(async () => {
    approver?.close();
    await sandbox.dispose();
  });

  it('an approval granted after the requester left is used by asking again, once, within its window', async () => {
    const first = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/true', 'Approve me while I am away');
    const approval = await listed(await first.requestId);
    first.child.kill();
    expect(await settledState(approver, approval.requestId)).toMatchObject({
      state: 'denied',
      reason: expect.stringContaining('The requester went away') as unknown,
    });
    expect((await listed(approval.requestId)).status).toBe('Pending');
    await approver.request(ApprovalsDecide, { approvalId: approval.approvalId, decision: 'approve' });
    const again = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/true', 'unused: the approval is reused');
    expect(await again.outcome).toEqual({ state: 'allowed', reason: 'Every control passed.' });
    const third = startRequester(sandbox.socket, 'keeper-alice', '/usr/bin/true', 'A used approval files a new request');
    const fresh = await listed(await third.requestId);
    expect(fresh.approvalId).not.toBe(approval.approvalId);
    await approver.request(ApprovalsDecide, { approvalId: fresh.approvalId, decision: 'approve' });
    expect((await third.outcome).state).toBe('allowed');
  });
});
