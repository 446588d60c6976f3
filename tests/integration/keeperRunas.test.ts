import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElevationRequest, PromptRespond, PromptShowNotification, type Approval } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient } from '../support/agentProcess.ts';
import { callAs } from '../support/callAs.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, settledState } from '../support/policyFixtures.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { ELEVATE, RUNAS, runCli } from '../support/runAsCli.ts';

const NOBODY = systemUser('nobody');

describe('keeper-runas: Keeper.RunAs against the real agent', () => {
  const sandbox = policyAgentSandbox();
  let desktop: AgentClient;
  const runas = (args: string[], options: Parameters<typeof runCli>[3] = {}) => runCli(RUNAS, sandbox.socket, args, options);
  const auditOf = (requestId: string) => {
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    const rows = db.prepare('SELECT type, data_json FROM audit_events WHERE request_id = ? ORDER BY seq').all(requestId) as Array<{
      type: string;
      data_json: string;
    }>;
    db.close();
    return rows.map((r) => ({ type: r.type, data: JSON.parse(r.data_json) as Record<string, unknown> }));
  };

  beforeAll(async () => {
    await sandbox.start({
      apps: {
        'col-id': '/usr/bin/id',
        'col-env': '/usr/bin/env',
        'col-whoami': '/usr/bin/whoami',
        'col-date': '/usr/bin/date',
        'col-sh': realpathSync('/usr/bin/sh'),
      },
      policies: [
        appPolicy('allow-id', 'col-id', ['ALLOW']),
        appPolicy('allow-env', 'col-env', ['ALLOW']),
        appPolicy('deny-whoami', 'col-whoami', ['DENY'], { NotificationMessage: 'whoami may not run as another user.' }),
        appPolicy('approve-date', 'col-date', ['APPROVAL']),
        appPolicy('justify-sh', 'col-sh', ['JUSTIFY']),
      ],
      config: { approvals: { approvers: { users: ['daemon'] } } },
      openToOtherUsers: true,
    });
    desktop = await connectClient(sandbox.socket, 'desktop');
    desktop.onNotification(PromptShowNotification, (prompt) => {
      if (prompt.kind !== 'justification') return;
      void desktop.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'justification', text: 'Need the date as nobody' } }).catch(() => {});
    });
  });

  afterAll(async () => {
    desktop?.close();
    await sandbox.dispose();
  });

  it('runs `id -u` as nobody, with nobody’s uid and groups', async () => {
    expect(await runas(['--user', 'nobody', 'id', '-u'])).toEqual({ code: 0, stdout: `${NOBODY.uid}\n`, stderr: '' });
    expect(await runas(['--user', 'nobody', 'id', '-G'])).toMatchObject({ code: 0, stdout: `${NOBODY.gid}\n` });
  });

  it('gives the program the target’s HOME, USER, LOGNAME, SHELL and PATH, and nothing of the caller’s environment', async () => {
    const result = await runas(['--user', 'nobody', 'env'], { env: { KEEPER_TEST_SECRET: 'must-not-leak', HOME: '/root' } });
    expect(result.code).toBe(0);
    const env = Object.fromEntries(
      result.stdout
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(env).toEqual({
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: '/nonexistent',
      USER: 'nobody',
      LOGNAME: 'nobody',
      SHELL: '/usr/sbin/nologin',
      LANG: 'C.UTF-8',
    });
  });

  it('audits the request and the run with the target identity', async () => {
    const client = await connectClient(sandbox.socket);
    try {
      const result = await client.request(ElevationRequest, { executable: '/usr/bin/id', arguments: [], cwd: '/', runAs: { user: 'nobody' } });
      expect(result).toMatchObject({ state: 'allowed', runAs: { user: 'nobody', uid: NOBODY.uid } });
      expect(auditOf(result.requestId)).toEqual([
        { type: 'elevation.decided', data: expect.objectContaining({ runAs: { user: 'nobody', uid: NOBODY.uid } }) as unknown },
      ]);
    } finally {
      client.close();
    }
  });

  it('refuses an unknown user with a clear error and a non-zero exit, and leaves no request behind', async () => {
    const result = await runas(['--user', 'no-such-user-kp', 'id', '-u']);
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'keeper-runas: there is no user "no-such-user-kp" on this machine\n' });
    const db = new Database(join(sandbox.dataDir, 'agent.db'), { readonly: true });
    expect(db.prepare("SELECT count(*) AS n FROM elevation_requests WHERE run_as_json LIKE '%no-such-user-kp%'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses a malformed user name as invalid params, and a missing --user (or --user given to keeper-elevate) as a usage error', async () => {
    const malformed = await runas(['--user', '../etc', 'id']);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('an account name');
    expect(await runas(['id'])).toEqual({ code: 2, stdout: '', stderr: 'keeper-runas: --user NAME is required (use keeper-elevate to run as root)\n' });
    const elevateWithUser = await runCli(ELEVATE, sandbox.socket, ['--user', 'nobody', 'id']);
    expect(elevateWithUser.code).toBe(2);
    expect(elevateWithUser.stderr).toMatch(/^keeper-elevate: Unknown option '--user'/);
  });

  it('exits non-zero with the policy’s message under DENY', async () => {
    expect(await runas(['--user', 'nobody', 'whoami'], { user: 'nobody' })).toEqual({
      code: 1,
      stdout: '',
      stderr: 'keeper-runas: denied: whoami may not run as another user.\n',
    });
  });

  it('tells a requester who stops waiting for an approval how to run it once approved', async () => {
    const result = await runas(['--user', 'nobody', 'date', '+%Y %m'], { interruptWhen: /Waiting for an approver/ });
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(
      /stopped waiting\. Request [0-9a-f-]{36} stays with the approvers; once it is approved, run it within the time the approver allows/,
    );
    expect(result.stderr).toContain("\n  keeper-runas --user nobody date '+%Y %m'\n");
  });

  it('after the prompts, Ctrl+C reaches the program (and no longer means "stop waiting")', async () => {
    const script = 'trap "echo got-int; exit 3" INT; echo ready; while :; do sleep 0.1; done';
    const result = await runas(['--user', 'nobody', 'sh', '-c', script], { interruptWhen: /^ready$/m });
    expect(result).toEqual({ code: 3, stdout: 'ready\ngot-int\n', stderr: 'keeper-runas: Waiting for your justification in the Keeper window…\n' });
  });

  it('shows approvers the target, and an approval given for one target is never consumed as another (root included)', async () => {
    const approvals = async () => {
      const listed = await callAs(sandbox.socket, 'daemon', 'approvals.list', null);
      if (!listed.ok) throw new Error(`approvals.list as daemon: ${listed.message}`);
      return (listed.result as { approvals: Approval[] }).approvals.filter((a) => a.application.commandLine.endsWith('/usr/bin/date +%d'));
    };
    // A requester asks to run `date +%d` as nobody, then goes away: the approval request stays open.
    const asker = await connectClient(sandbox.socket);
    const first = await asker.request(ElevationRequest, { executable: '/usr/bin/date', arguments: ['+%d'], cwd: '/', runAs: { user: 'nobody' } });
    expect(first.state).toBe('pending');
    await expect
      .poll(async () => (await approvals()).map((a) => [a.application.commandLine, a.status]), { timeout: 10_000 })
      .toEqual([['[as nobody] /usr/bin/date +%d', 'Pending']]);
    asker.close();
    const [open] = await approvals();
    expect(await callAs(sandbox.socket, 'daemon', 'approvals.decide', { approvalId: open!.approvalId, decision: 'approve' })).toMatchObject({
      ok: true,
      result: { status: 'Approved' },
    });

    // The same command as root does not use it: it needs its own approval.
    const asRoot = await desktop.request(ElevationRequest, { executable: '/usr/bin/date', arguments: ['+%d'], cwd: '/' });
    await expect
      .poll(async () => (await approvals()).map((a) => [a.application.commandLine, a.status]), { timeout: 10_000 })
      .toEqual([
        ['/usr/bin/date +%d', 'Pending'],
        ['[as nobody] /usr/bin/date +%d', 'Approved'],
      ]);
    expect(asRoot.state).toBe('pending');
    // As nobody again, it is used at once.
    const again = await desktop.request(ElevationRequest, { executable: '/usr/bin/date', arguments: ['+%d'], cwd: '/', runAs: { user: 'nobody' } });
    expect((await settledState(desktop, again.requestId, 10_000)).state).toBe('allowed');
  });
});
