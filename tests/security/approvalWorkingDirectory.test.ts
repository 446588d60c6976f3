import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalsDecide } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { approvalOf, listedApproval } from '../support/approvals.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, settledState } from '../support/policyFixtures.ts';
import { startRequester } from '../support/requesterProcess.ts';
import { runAs, stop } from '../support/asUser.ts';

const PERSON = 'keeper-alice';
const WHY = 'Rebuilding the site in its own folder';

/**
 * Attack: approvers never saw the working directory, and an approval was reused from any folder.
 * An approver who allowed `make install` in a reviewed checkout approved it for every folder: the
 * requester then ran the same command line where its Makefile (or `./configure`, a local config)
 * says anything. The folder is shown to approvers and is part of what an approval covers.
 */
describe('an approval covers the working directory it was asked from (keeper-alice asks, root approves)', () => {
  const sandbox = policyAgentSandbox();
  const folders = mkdtempSync(join(tmpdir(), 'kpt-cwd-'));
  const reviewed = join(folders, 'reviewed');
  const elsewhere = join(folders, 'elsewhere');
  let root: AgentClient;

  beforeAll(async () => {
    chmodSync(folders, 0o755);
    for (const dir of [reviewed, elsewhere]) mkdirSync(dir, { mode: 0o755 });
    // The requester is a person at a verified desktop of their own (a fixture login session).
    sandbox.desktopSessions.add({ user: PERSON });
    await sandbox.start({
      apps: { 'col-true': '/usr/bin/true', 'col-id': '/usr/bin/id' },
      policies: [appPolicy('pol-true', 'col-true', ['APPROVAL']), appPolicy('pol-id', 'col-id', ['JUSTIFY'], { Extension: { ElevatedSession: true } })],
      config: { approvals: { administrators: { users: ['root'] } } },
      openToOtherUsers: true,
    });
    root = await connectClient(sandbox.socket);
  });

  afterAll(async () => {
    root?.close();
    await sandbox.dispose();
    rmSync(folders, { recursive: true, force: true });
  });

  it('shows approvers the folder, and an approval given for one folder is never used from another', async () => {
    // Asked from the reviewed folder; the requester stops waiting (Ctrl+C), the request stays open.
    const first = startRequester(sandbox.socket, PERSON, '/usr/bin/true', WHY, { cwd: reviewed });
    const firstId = await first.requestId;
    const approval = await approvalOf(root, firstId, { statuses: ['Pending'] });
    expect(approval.cwd).toBe(reviewed);
    await stop(first.child);
    await settledState(root, firstId);
    await root.request(ApprovalsDecide, { approvalId: approval.approvalId, decision: 'approve' });

    // The same command from another folder is a new request for the approvers, not the approved one.
    const moved = startRequester(sandbox.socket, PERSON, '/usr/bin/true', WHY, { cwd: elsewhere });
    const movedId = await moved.requestId;
    const movedApproval = await approvalOf(root, movedId, { statuses: ['Pending'] });
    expect(movedApproval).toMatchObject({ cwd: elsewhere, status: 'Pending' });
    expect(movedApproval.approvalId).not.toBe(approval.approvalId);
    await stop(moved.child);
    expect(await listedApproval(root, firstId)).toMatchObject({ status: 'Approved', cwd: reviewed });

    // From the folder the approver saw, the approval is used (once).
    const back = startRequester(sandbox.socket, PERSON, '/usr/bin/true', WHY, { cwd: reviewed });
    expect(await back.outcome).toEqual({ state: 'allowed', reason: 'Every control passed.' });
  });

  it('an elevated session opened from one folder is not used from another', async () => {
    const opened = startRequester(sandbox.socket, PERSON, '/usr/bin/id', WHY, { cwd: reviewed });
    expect(await opened.outcome).toEqual({ state: 'allowed', reason: 'Every control passed.' });
    const ask = (cwd: string) =>
      runAs<{ ok: boolean; result: { state: string; grant?: unknown } }>(
        PERSON,
        sandbox.socket,
        `const c = await connect();
         console.log(JSON.stringify(await call(c, 'elevation.request', { executable: '/usr/bin/id', arguments: [], cwd: ${JSON.stringify(cwd)} })));
         c.close();`,
      );
    const moved = await ask(elsewhere);
    expect(moved).toMatchObject({ ok: true, result: { state: 'pending' } });
    expect(moved.result.grant).toBeUndefined();
    expect(await ask(reviewed)).toMatchObject({ ok: true, result: { state: 'allowed', grant: expect.anything() as unknown } });
  });
});
