import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusRequest } from '../../shared/protocol/src/common/index.ts';
import { formatOfflineCode, normalizeOfflineCode, offlineResponse } from '../../shared/protocol/src/node/offlineApprovalCode.ts';
import { runCli } from '../../apps/fleet-server/src/cli/commands.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { pushPolicies } from '../../apps/fleet-server/src/services/policies.ts';
import { connectClient, makeSandbox, runAgent, startAgent, type AgentProcess } from '../support/agentProcess.ts';
import { callAs } from '../support/callAs.ts';
import { rootDesktopFixture } from '../support/desktopSessions.ts';
import { ELEVATE, runCli as runUserCli } from '../support/runAsCli.ts';
import { systemUser } from '../support/requesterProcess.ts';
import { appPolicy, shippedJobs } from '../support/policyFixtures.ts';
import { createFleetFixture, until, type FleetFixture } from './support/fleetHarness.ts';
import { startOfflineRequester, type OfflineRequester } from './support/offlineRequester.ts';

/**
 * Signed offline approvals with a real agent, a real fleet server and PostgreSQL: machine-a
 * registers (sharing its offline key), takes the group's policies, then runs with --offline;
 * keeper-alice asks from her desktop, keeper-bob (an approver of the group) gets the response with
 * `keeper-fleet approve-offline`, and keeper-alice types it in.
 */
let fx: FleetFixture;
let server: RunningFleetServer;
const desktops = rootDesktopFixture();
const machine = makeSandbox();
/** keeper-bob's workstation: its agent relays his requests for responses. */
const desk = makeSandbox();
let agent: AgentProcess;
let deskAgent: AgentProcess;
let machineId: string;

async function fleetCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The response keeper-fleet prints for `approver` (the CLI's --as), or fails with what it said. */
async function responseFor(challenge: string, approver = 'keeper-bob'): Promise<string> {
  const answer = await fleetCli('approve-offline', '--machine', 'machine-a', '--challenge', challenge, '--as', approver);
  if (answer.code !== 0) throw new Error(`approve-offline refused: ${answer.err}`);
  return answer.out.trim();
}

async function restartAgent(extra: string[] = ['--offline']): Promise<void> {
  await agent?.stop();
  agent = await startAgent({ socket: machine.socket, dataDir: machine.dataDir, logindDir: desktops.dir, extra: ['--fleet', server.url, ...extra] });
}

async function status() {
  const client = await connectClient(machine.socket);
  try {
    return await client.request(AgentStatusRequest, undefined);
  } finally {
    client.close();
  }
}

const localAudit = (type: string) => {
  const db = new Database(join(machine.dataDir, 'agent.db'), { readonly: true });
  try {
    return (db.prepare('SELECT id, data_json AS data FROM audit_events WHERE type = ? ORDER BY seq').all(type) as Array<{ id: string; data: string }>).map(
      (r) => ({ id: r.id, data: JSON.parse(r.data) as Record<string, unknown> }),
    );
  } finally {
    db.close();
  }
};

const requesters: OfflineRequester[] = [];
const ask = (executable = '/usr/bin/true', cwd = '/tmp'): OfflineRequester => {
  const requester = startOfflineRequester(machine.socket, 'keeper-alice', executable, { cwd });
  requesters.push(requester);
  return requester;
};

beforeAll(async () => {
  fx = await createFleetFixture();
  process.env.KEEPER_FLEET_DATABASE_URL = fx.databaseUrl;
  server = await fx.start();
  const collections = {
    Collections: [
      ['col-true', '/usr/bin/true'],
      ['col-false', '/usr/bin/false'],
    ].map(([id, path]) => ({ CollectionId: id, Type: 'Application', Members: [{ Path: path }] })),
  };
  await pushPolicies(server.db, 'engineering', {
    policies: {
      'collections.json': collections,
      'policies.json': [
        appPolicy('pol-true', 'col-true', ['APPROVAL'], { Extension: { OfflineApproval: true } }),
        appPolicy('pol-false', 'col-false', ['APPROVAL']),
      ],
    },
    jobs: shippedJobs(),
  });
  await fx.approver({ group: 'engineering', kind: 'user', principal: 'keeper-bob', role: 'approver' });
  await fx.approver({ group: 'engineering', kind: 'user', principal: 'keeper-alice', role: 'approver' });
  await fx.approver({ group: 'engineering', kind: 'user', principal: 'sam', role: 'secondaryApprover' });
  await fx.approver({ group: 'other', kind: 'user', principal: 'carol', role: 'approver' });
  desktops.add({ user: 'keeper-alice' });
  chmodSync(machine.dir, 0o755);
  const tokenFile = join(machine.dir, 'machine-a.token');
  writeFileSync(tokenFile, await fx.token('engineering'), { mode: 0o600 });
  expect(await runAgent(['--fleet', server.url, '--register', `@${tokenFile}`, '--data-dir', machine.dataDir, '--machine-name', 'machine-a'])).toMatchObject({
    code: 0,
  });
  machineId = (JSON.parse(readFileSync(join(machine.dataDir, 'fleet', 'state.json'), 'utf8')) as { machineId: string }).machineId;
  chmodSync(desk.dir, 0o755);
  writeFileSync(tokenFile, await fx.token('desks'), { mode: 0o600 });
  expect(await runAgent(['--fleet', server.url, '--register', `@${tokenFile}`, '--data-dir', desk.dataDir, '--machine-name', 'bobs-desk'])).toMatchObject({
    code: 0,
  });
  deskAgent = await startAgent({ socket: desk.socket, dataDir: desk.dataDir, logindDir: desktops.dir, extra: ['--fleet', server.url] });
  // Online once to take the group's policies, then offline for good (they stay in effect).
  await restartAgent([]);
  await until(async () => ((await status()).policies.active === 2 ? true : undefined), 20_000, "the fleet's policies on machine-a");
  await restartAgent();
}, 90_000);

afterEach(() => {
  for (const requester of requesters.splice(0)) requester.child.kill();
});

afterAll(async () => {
  await agent?.stop();
  await deskAgent?.stop();
  desk.cleanup();
  delete process.env.KEEPER_FLEET_DATABASE_URL;
  await fx?.drop();
  machine.cleanup();
  desktops.cleanup();
});

describe('signed offline approvals', () => {
  it("registration leaves the key root's and 0600, shares it with the server, and the requester cannot read it", async () => {
    const path = join(machine.dataDir, 'fleet', 'offline.key');
    const stat = statSync(path);
    expect(stat.uid).toBe(0);
    expect(stat.mode & 0o777).toBe(0o600);
    const key = Buffer.from((JSON.parse(readFileSync(path, 'utf8')) as { key: string }).key, 'base64url');
    const stored = await fx.admin.query<{ offline_key: Buffer }>('SELECT offline_key FROM machines WHERE machine_id = $1', [machineId]);
    expect(stored.rows[0]!.offline_key.equals(key)).toBe(true);
    for (const user of ['keeper-alice', 'nobody']) {
      const read = spawnSync('cat', [path], { ...systemUser(user), encoding: 'utf8' });
      expect(read.status).not.toBe(0);
      expect(read.stdout).toBe('');
      expect(read.stderr).toMatch(/Permission denied/);
    }
  });

  it("accepts the approver's response once: the program runs, and who approved is audited on both sides", async () => {
    expect((await status()).online).toBe(false);
    const request = ask();
    const prompt = await request.prompt;
    expect(prompt).toMatchObject({ machine: 'machine-a', attemptsLeft: 3 });
    expect(prompt.challenge).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    // What keeper-elevate prints comes with the request's status.
    expect(await request.status).toMatchObject({ challenge: prompt.challenge, machine: 'machine-a' });
    const response = await responseFor(prompt.challenge.replace('-', ' ').toLowerCase());
    expect(response).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    // Typed as heard: lower case, no dash.
    expect(await request.respond('keeper-bob', response.replace('-', '').toLowerCase())).toMatchObject({ accepted: true });
    expect(await request.outcome).toEqual({ state: 'allowed', reason: 'Every control passed.', exitCode: 0 });
    const approved = localAudit('approval.offline.approved');
    expect(approved.at(-1)!.data).toMatchObject({ approver: 'keeper-bob', challenge: normalizeOfflineCode(prompt.challenge) });
    const issued = await fx.admin.query<{ user_name: string; data: { challenge: string; via: string } }>(
      `SELECT user_name, data FROM audit_events WHERE type = 'fleet.approval.offline.issued' AND machine_id = $1`,
      [machineId],
    );
    expect(issued.rows).toEqual([
      { user_name: 'keeper-bob', data: expect.objectContaining({ challenge: normalizeOfflineCode(prompt.challenge), via: 'cli' }) as unknown },
    ]);
  });

  it('keeper-elevate prints the challenge and where the response goes; typed into the window, the command runs', async () => {
    const window = startOfflineRequester(machine.socket, 'keeper-alice', null);
    requesters.push(window);
    await window.ready;
    const elevate = runUserCli(ELEVATE, machine.socket, ['/usr/bin/true'], { user: 'keeper-alice' });
    const { challenge } = await window.prompt;
    expect(await window.respond('keeper-bob', await responseFor(challenge))).toMatchObject({ accepted: true });
    const result = await elevate;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('the Keeper agent is offline. Read this challenge to an approver of your machine:');
    expect(result.stderr).toMatch(new RegExp(`challenge ${challenge} {3}machine machine-a {3}valid until `));
    expect(result.stderr).toContain('"Waiting for approval" window');
  });

  it('refuses a used response on a new request, a response made for another request, and one made with a wrong key', async () => {
    const first = ask();
    const firstChallenge = (await first.prompt).challenge;
    const second = ask('/usr/bin/true', '/');
    const secondChallenge = (await second.prompt).challenge;
    expect(secondChallenge).not.toBe(firstChallenge);
    const forFirst = await responseFor(firstChallenge);
    // The second request's window is given the first request's response.
    expect(await second.respond('keeper-bob', forFirst)).toMatchObject({ accepted: false, reason: 'invalid', retriesLeft: 2 });
    // A response computed with any key but the machine's (what a requester could make) is refused.
    const forged = formatOfflineCode(offlineResponse(randomBytes(32), machineId, normalizeOfflineCode(secondChallenge)!, 'keeper-bob'));
    expect(await second.respond('keeper-bob', forged)).toMatchObject({ accepted: false, retriesLeft: 1 });
    // The right response for the first request still works there, once.
    expect(await first.respond('keeper-bob', forFirst)).toMatchObject({ accepted: true });
    expect(await first.outcome).toMatchObject({ state: 'allowed', exitCode: 0 });
    // A third wrong response ends the second request.
    expect(await second.respond('keeper-bob', forFirst)).toMatchObject({ accepted: false, retriesLeft: 0, reasonDetail: { code: 'offline-approval-refused' } });
    expect(await second.outcome).toMatchObject({ state: 'denied', reason: expect.stringContaining('Too many wrong offline approval responses') as unknown });
    // Replayed on a new request, the used response is refused too.
    const third = ask();
    await third.prompt;
    expect(await third.respond('keeper-bob', forFirst)).toMatchObject({ accepted: false, retriesLeft: 2 });
    expect(localAudit('approval.offline.refused').map((e) => e.data.reason)).toContain('wrong-response');
  });

  it('a response is bound to the approver it was made for, and nobody approves their own request', async () => {
    const request = ask();
    const challenge = (await request.prompt).challenge;
    const forBob = await responseFor(challenge);
    // Claiming someone else made it fails the MAC.
    expect(await request.respond('carol', forBob)).toMatchObject({ accepted: false, retriesLeft: 2 });
    // keeper-alice approves requests of her group, but not her own, even with a response the server made for her.
    const forAlice = await responseFor(challenge, 'keeper-alice');
    expect(await request.respond('keeper-alice', forAlice)).toMatchObject({ accepted: false, retriesLeft: 1 });
    expect(localAudit('approval.offline.refused').at(-1)!.data).toMatchObject({ approver: 'keeper-alice', reason: 'self-approval' });
    expect(await request.respond('keeper-bob', forBob)).toMatchObject({ accepted: true });
    expect(await request.outcome).toMatchObject({ state: 'allowed' });
  });

  it("an approver gets the response from their own agent, which speaks for the kernel's caller only", async () => {
    const request = ask();
    const { challenge } = await request.prompt;
    const params = { machine: 'machine-a', challenge };
    // Nobody else gets one through bob's desk: not a system account, not the requester, not a name in the params.
    const refusals = [
      await callAs(desk.socket, 'nobody', 'approvals.offlineResponse', params),
      await callAs(desk.socket, 'nobody', 'approvals.offlineResponse', { ...params, actor: { uid: 1002, name: 'keeper-bob', groups: [] } }),
    ];
    expect(refusals.map((r) => (r.ok ? 'ISSUED' : r.code))).toEqual([-33001, -33001]);
    const issued = await callAs(desk.socket, 'keeper-bob', 'approvals.offlineResponse', params);
    expect(issued).toMatchObject({ ok: true, result: { approver: 'keeper-bob', machine: 'machine-a' } });
    const { response } = (issued as { result: { response: string } }).result;
    expect(await request.respond('keeper-bob', response)).toMatchObject({ accepted: true });
    expect(await request.outcome).toMatchObject({ state: 'allowed', exitCode: 0 });
    const relayed = await fx.admin.query<{ data: { relayedBy: string } }>(
      `SELECT data FROM audit_events WHERE type = 'fleet.approval.offline.issued' AND data->>'challenge' = $1`,
      [normalizeOfflineCode(challenge)],
    );
    expect(relayed.rows).toHaveLength(1);
    expect(relayed.rows[0]!.data.relayedBy).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("only approvers of the machine's group obtain a response; each refusal is audited", async () => {
    const challenge = 'ABCDE-FGHJK';
    for (const outsider of ['carol', 'sam', 'mallory']) {
      const answer = await fleetCli('approve-offline', '--machine', 'machine-a', '--challenge', challenge, '--as', outsider);
      expect(answer).toMatchObject({ code: 2, out: '', err: expect.stringContaining(`${outsider} is not an approver of group engineering`) as unknown });
    }
    const refused = await fx.admin.query<{ user_name: string }>(
      `SELECT user_name FROM audit_events WHERE type = 'fleet.approval.offline.refused' AND data->>'challenge' = 'ABCDEFGHJK' ORDER BY seq`,
    );
    expect(refused.rows.map((r) => r.user_name)).toEqual(['carol', 'sam', 'mallory']);
    // Bad input: a clear error, nothing issued.
    expect(await fleetCli('approve-offline', '--machine', 'machine-a', '--challenge', 'ABC', '--as', 'keeper-bob')).toMatchObject({
      code: 2,
      err: expect.stringContaining('10 characters') as unknown,
    });
    expect(await fleetCli('approve-offline', '--machine', 'machine-z', '--challenge', challenge, '--as', 'keeper-bob')).toMatchObject({
      code: 2,
      err: expect.stringContaining('no active machine') as unknown,
    });
    expect(await fleetCli('approve-offline', '--machine', 'machine-a', '--as', 'keeper-bob')).toMatchObject({
      code: 2,
      err: expect.stringContaining('--challenge') as unknown,
    });
  });

  it("a key others could read is refused: offline approval is off, and the seed's refusal stands", async () => {
    const path = join(machine.dataDir, 'fleet', 'offline.key');
    chmodSync(path, 0o644);
    try {
      await restartAgent();
      const request = ask();
      expect(await request.outcome).toEqual({ state: 'denied', reason: 'The agent is offline, and APPROVAL needs a network connection.' });
      expect(agent.output()).toContain('offline approval is off');
    } finally {
      chmodSync(path, 0o600);
      await restartAgent();
    }
  });

  it("a policy without OfflineApproval keeps the seed's offline refusal; policy.explain previews both as a request decides", async () => {
    const preview = async (executable: string) => {
      const answer = await callAs(machine.socket, 'keeper-alice', 'policy.explain', { executable, arguments: [], cwd: '/' });
      if (!answer.ok) throw new Error(answer.message);
      return (answer.result as { decision: { outcome: string; controls: string[]; reason: string } }).decision;
    };
    expect(await preview('/usr/bin/true')).toMatchObject({ outcome: 'controls', controls: ['APPROVAL'] });
    expect(await preview('/usr/bin/false')).toMatchObject({ outcome: 'deny', reason: 'The agent is offline, and APPROVAL needs a network connection.' });
    const request = ask('/usr/bin/false');
    expect(await request.outcome).toEqual({ state: 'denied', reason: 'The agent is offline, and APPROVAL needs a network connection.' });
  });

  it('a challenge expires: the request ends, and a response that comes later is refused', async () => {
    const config = join(machine.dir, 'short-expiry.json');
    writeFileSync(config, JSON.stringify({ approvals: { requestExpiryMinutes: 0.05 } }), { mode: 0o600 });
    await restartAgent(['--offline', '--config', config]);
    try {
      const request = ask();
      const prompt = await request.prompt;
      const response = await responseFor(prompt.challenge);
      const outcome = await request.outcome;
      expect(outcome).toMatchObject({ state: 'denied', reason: 'The offline approval challenge expired before a valid response was entered.' });
      expect(await request.respond('keeper-bob', response)).toMatchObject({ error: expect.stringContaining('no longer open') as unknown });
    } finally {
      await restartAgent();
    }
  });

  it("back online, the offline approvals reach the fleet's audit through the outbox", async () => {
    await restartAgent([]);
    const approvals = localAudit('approval.offline.approved').map((e) => e.id);
    expect(approvals.length).toBeGreaterThanOrEqual(3);
    const stored = await until(
      async () => {
        const rows = (
          await fx.admin.query<{ event_id: string; data: { approver: string } }>(
            `SELECT event_id, data FROM audit_events WHERE machine_id = $1 AND type = 'approval.offline.approved'`,
            [machineId],
          )
        ).rows;
        return approvals.every((id) => rows.some((r) => r.event_id === id)) ? rows : undefined;
      },
      30_000,
      'the offline approvals on the server',
    );
    expect(stored.map((r) => r.data.approver)).toContain('keeper-bob');
  });
});
