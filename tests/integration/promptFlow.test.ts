import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ElevationRequest,
  ElevationStatus,
  ElevationUpdated,
  PromptClosedNotification,
  PromptRespond,
  PromptShowNotification,
  type ElevationStatusResult,
  type PromptClosed,
  type PromptShow,
} from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, PROJECT_DIR } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, settledState } from '../support/policyFixtures.ts';
import { systemUser } from '../support/requesterProcess.ts';

/** Collects what the agent pushes to one connection. */
function recorder(client: AgentClient) {
  const prompts: PromptShow[] = [];
  const closed: PromptClosed[] = [];
  const updates: ElevationStatusResult[] = [];
  client.onNotification(PromptShowNotification, (p) => prompts.push(p));
  client.onNotification(PromptClosedNotification, (p) => closed.push(p));
  client.onNotification(ElevationUpdated, (p) => updates.push(p));
  return { prompts, closed, updates };
}

describe('policy controls become prompts on the requester’s desktop (real agent, real socket)', () => {
  const sandbox = policyAgentSandbox();
  let requester: AgentClient;
  let desktop: AgentClient;
  let desk: ReturnType<typeof recorder>;
  let req: ReturnType<typeof recorder>;
  const ask = (executable: string) => requester.request(ElevationRequest, { executable, arguments: [], cwd: '/' });
  const nextPrompt = async (count: number) => {
    await expect.poll(() => desk.prompts.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(count);
    return desk.prompts[count - 1]!;
  };
  const finalState = (requestId: string) => settledState(requester, requestId);

  beforeAll(async () => {
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true', 'col-id': '/usr/bin/id', 'col-env': '/usr/bin/env', 'col-echo': '/usr/bin/echo' },
      policies: [
        appPolicy('pol-true', 'col-true', ['JUSTIFY']),
        appPolicy('pol-id', 'col-id', ['JUSTIFY', 'NOTIFY'], { NotificationMessage: 'This is audited.', NotificationRequiresAcknowledge: true }),
        appPolicy('pol-env', 'col-env', ['OPERATORAPPROVAL']),
        appPolicy('pol-echo-allow', 'col-echo', ['ALLOW']),
        appPolicy('pol-echo-watch', 'col-echo', ['APPROVAL', 'MFA'], { Status: 'monitor_and_notify', PolicyName: 'Watch echo' }),
      ],
      openToOtherUsers: true,
    });
    requester = await connectClient(sandbox.socket, 'cli');
    desktop = await connectClient(sandbox.socket, 'desktop');
    req = recorder(requester);
    desk = recorder(desktop);
  });

  afterAll(async () => {
    requester?.close();
    desktop?.close();
    await sandbox.dispose();
  });

  it('asks for a justification on the desktop, refuses one too short, then allows', async () => {
    const result = await ask('/usr/bin/true');
    expect(result.state).toBe('pending');
    const prompt = await nextPrompt(1);
    expect(prompt).toMatchObject({
      kind: 'justification',
      control: 'JUSTIFY',
      subject: { requestId: result.requestId, executable: '/usr/bin/true', policyNames: ['Policy pol-true'] },
    });
    expect(prompt.justification).toEqual({ minLength: 10, maxLength: 2000, offline: false });
    expect(await desktop.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'justification', text: 'short' } })).toEqual({
      accepted: false,
      reason: 'too-short',
      problem: 'A justification needs at least 10 characters.',
    });
    expect(
      await desktop.request(PromptRespond, {
        promptId: prompt.promptId,
        response: { kind: 'justification', text: 'Installing the VPN client for ticket 4711' },
      }),
    ).toEqual({ accepted: true });
    const status = await finalState(result.requestId);
    expect(status).toMatchObject({ state: 'allowed', passed: ['JUSTIFY'], currentControl: null });
    await expect.poll(() => req.updates.at(-1)?.state).toBe('allowed');
    expect(desk.closed).toContainEqual({ promptId: prompt.promptId, reason: 'answered' });
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    const row = db.prepare('SELECT justification, state FROM elevation_requests WHERE id = ?').get(result.requestId);
    const events = db.prepare('SELECT type FROM audit_events WHERE request_id = ? ORDER BY seq').all(result.requestId);
    db.close();
    expect(row).toEqual({ justification: 'Installing the VPN client for ticket 4711', state: 'allowed' });
    expect(events).toEqual([{ type: 'elevation.decided' }, { type: 'control.passed' }, { type: 'elevation.resolved' }]);
  });

  it('an answer to a closed prompt gets a clear error and changes nothing', async () => {
    const answered = desk.prompts[0]!;
    await expect(
      desktop.request(PromptRespond, { promptId: answered.promptId, response: { kind: 'justification', text: 'a second answer here' } }),
    ).rejects.toMatchObject({
      code: -33003,
    });
  });

  it('presents Justification before the acknowledged notice, and denies when the user cancels', async () => {
    const result = await ask('/usr/bin/id');
    const justification = await nextPrompt(2);
    expect(justification.kind).toBe('justification');
    await desktop.request(PromptRespond, { promptId: justification.promptId, response: { kind: 'justification', text: 'Checking my group memberships' } });
    const notice = await nextPrompt(3);
    expect(notice).toMatchObject({ kind: 'message', control: 'NOTIFY', message: { text: 'This is audited.', requiresAcknowledge: true } });
    await desktop.request(PromptRespond, { promptId: notice.promptId, response: { kind: 'cancel' } });
    expect(await finalState(result.requestId)).toMatchObject({
      state: 'denied',
      reason: 'The notice that needs acknowledging was cancelled.',
      passed: ['JUSTIFY'],
    });
  });

  it('end-user approval: the user at the endpoint decides', async () => {
    const approved = await ask('/usr/bin/env');
    const first = await nextPrompt(4);
    expect(first).toMatchObject({ kind: 'operatorApproval', operatorApproval: { agentProcess: '/usr/bin/env', onTimeout: 'deny' } });
    await desktop.request(PromptRespond, { promptId: first.promptId, response: { kind: 'operatorApproval', approve: true } });
    expect((await finalState(approved.requestId)).state).toBe('allowed');

    const denied = await ask('/usr/bin/env');
    const second = await nextPrompt(5);
    await expect(
      desktop.request(PromptRespond, { promptId: second.promptId, response: { kind: 'justification', text: 'not the right kind of answer' } }),
    ).rejects.toMatchObject({ code: -32602 });
    await desktop.request(PromptRespond, { promptId: second.promptId, response: { kind: 'operatorApproval', approve: false } });
    expect(await finalState(denied.requestId)).toMatchObject({ state: 'denied', reason: 'The user at the endpoint denied the action.' });
  });

  it('re-delivers an open prompt to a desktop that connects (or reconnects) later', async () => {
    const result = await ask('/usr/bin/true');
    const open = await nextPrompt(6);
    const late = await connectClient(sandbox.socket, 'desktop');
    const lateRecorder = recorder(late);
    await expect.poll(() => lateRecorder.prompts.map((p) => p.promptId)).toEqual([open.promptId]);
    await late.request(PromptRespond, { promptId: open.promptId, response: { kind: 'justification', text: 'Answered from the second window' } });
    expect((await finalState(result.requestId)).state).toBe('allowed');
    await expect.poll(() => desk.closed.map((c) => c.promptId)).toContain(open.promptId);
    late.close();
  });

  it('refuses an answer from another OS user, audits it, and keeps the prompt open', async () => {
    const result = await ask('/usr/bin/true');
    const prompt = await nextPrompt(7);
    // A person at a verified desktop of their own: still not the prompt's user.
    const bob = systemUser('keeper-bob');
    sandbox.desktopSessions.add({ user: 'keeper-bob' });
    const script = `
      const { AgentClient } = await import(${JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src/node/agentClient.ts'))});
      const p = await import(${JSON.stringify(join(PROJECT_DIR, 'shared/protocol/src/common/index.ts'))});
      const c = await AgentClient.connect(${JSON.stringify(sandbox.socket)});
      await c.request(p.SessionHello, { protocolVersion: 1, client: { kind: 'desktop', name: 'intruder', version: '1' } });
      try { await c.request(p.PromptRespond, { promptId: ${JSON.stringify(prompt.promptId)}, response: { kind: 'justification', text: 'I approve for you, trust me' } }); console.log('ACCEPTED'); }
      catch (e) { console.log('REFUSED', e.code); }
      c.close();`;
    const output = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { uid: bob.uid, gid: bob.gid, cwd: '/' });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.on('exit', () => resolve(out));
    });
    expect(output.trim()).toBe('REFUSED -33001');
    expect((await requester.request(ElevationStatus, { requestId: result.requestId })).state).toBe('pending');
    await desktop.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'cancel' } });
    expect((await finalState(result.requestId)).state).toBe('denied');
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    const refused = db.prepare("SELECT actor_uid FROM audit_events WHERE type = 'prompt.refused' AND request_id = ?").all(result.requestId);
    db.close();
    expect(refused).toEqual([{ actor_uid: bob.uid }]);
  });

  it('monitor_and_notify never blocks, but tells the user what the policy would have done', async () => {
    const before = desk.prompts.length;
    const result = await ask('/usr/bin/echo');
    expect(result.state).toBe('allowed');
    expect(result.decision.monitored).toEqual([expect.objectContaining({ policyName: 'Watch echo', wouldBe: 'controls' })]);
    const notice = await nextPrompt(before + 1);
    expect(notice).toMatchObject({
      kind: 'message',
      message: {
        text: 'Policy "Watch echo" is in monitor mode: once enforced, it would ask for APPROVAL, MFA before this action.',
        requiresAcknowledge: false,
        tone: 'warning',
        reasonDetail: { code: 'monitored-would-ask', values: { policy: 'Watch echo', controls: ['APPROVAL', 'MFA'] } },
      },
    });
    await desktop.request(PromptRespond, { promptId: notice.promptId, response: { kind: 'message', acknowledged: true } });
  });

  it('denies when no desktop session of the user is connected to show the prompt', async () => {
    desktop.close();
    const result = await ask('/usr/bin/true');
    expect(await finalState(result.requestId)).toMatchObject({
      state: 'denied',
      reason: expect.stringContaining('No verified desktop session of root is connected') as unknown,
    });
  });
});
