import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval } from '../../shared/protocol/src/common/index.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { pushPolicies } from '../../apps/fleet-server/src/services/policies.ts';
import { makeSandbox, runAgent } from '../support/agentProcess.ts';
import { callAs, type CallOutcome } from '../support/callAs.ts';
import { appPolicy, shippedJobs } from '../support/policyFixtures.ts';
import { startRequester } from '../support/requesterProcess.ts';
import { createFleetFixture, until, type FleetFixture } from './support/fleetHarness.ts';
import { fleetMachines, statusOf, waitForStatus } from './support/fleetMachines.ts';

/**
 * Two real agents, each with its own socket, data folder and machine name, registered through
 * `keeper-agent --fleet URL --register @FILE` with two fleet-server instances on one PostgreSQL:
 * keeper-alice asks on A (instance 1), keeper-bob approves from B (instance 2) through B's agent,
 * which speaks for the user the kernel reports on its socket.
 */
let fx: FleetFixture;
let s1: RunningFleetServer;
let s2: RunningFleetServer;
const fleet = fleetMachines();
const { machines } = fleet;

const collections = (apps: Record<string, string>) => ({
  Collections: Object.entries(apps).map(([id, path]) => ({ CollectionId: id, Type: 'Application', Members: [{ Path: path }] })),
});

/** The request in B's queue as keeper-bob sees it; a request that ended instead fails with its outcome. */
const listed = async (requester: ReturnType<typeof startRequester>): Promise<Approval> => {
  const requestId = await requester.requestId;
  const ended = requester.outcome.then((outcome) => {
    throw new Error(`the request ended before it reached B: ${JSON.stringify(outcome)}`);
  });
  return Promise.race([ended, fleet.inBobsQueue(requestId, 10_000)]);
};

beforeAll(async () => {
  fx = await createFleetFixture();
  s1 = await fx.start();
  s2 = await fx.start();
  const files = {
    policies: {
      'collections.json': collections({ 'col-true': '/usr/bin/true', 'col-false': '/usr/bin/false' }),
      'policies.json': [appPolicy('pol-true', 'col-true', ['APPROVAL']), appPolicy('pol-false', 'col-false', ['APPROVAL'])],
    },
    jobs: shippedJobs(),
  };
  await pushPolicies(s1.db, 'engineering', files);
  await pushPolicies(s1.db, 'approvers', files);
  await fx.approver({ group: 'engineering', kind: 'user', principal: 'keeper-bob', role: 'approver' });
  await fleet.start(fx, { a: { url: s1.url, group: 'engineering' }, b: { url: s2.url, group: 'approvers' } }, 2);
}, 60_000);

afterAll(async () => {
  await fleet.stop();
  await fx?.drop();
});

describe('agents across machines through the fleet', () => {
  it('registration leaves a private key and an agent-made policy folder', () => {
    expect(statSync(join(machines.a.dataDir, 'fleet', 'key.pem')).mode & 0o777).toBe(0o600);
    const current = statSync(join(machines.a.dataDir, 'fleet', 'current', 'policies'));
    expect(current.uid).toBe(process.getuid!());
    expect(current.mode & 0o022).toBe(0);
  });

  it('agent.status names the fleet, the group and the policy set; the window shows it', async () => {
    const status = await statusOf(machines.a.socket);
    expect(status).toMatchObject({ backend: 'server', online: true, fleet: { url: s1.url, group: 'engineering', online: true, policyVersion: 1 } });
    expect(status.fleet!.lastSync).not.toBeNull();
  });

  it('refuses to start with --fleet when unregistered, registered elsewhere, or given --policies', async () => {
    const fresh = makeSandbox();
    try {
      const unregistered = await runAgent(['--socket', fresh.socket, '--data-dir', fresh.dataDir, '--health-port', '0', '--fleet', s1.url]);
      expect(unregistered).toMatchObject({ code: 2, stderr: expect.stringContaining('not registered with a fleet') as unknown });
      const elsewhere = await runAgent([
        '--socket',
        fresh.socket,
        '--data-dir',
        machines.a.dataDir,
        '--health-port',
        '0',
        '--fleet',
        'https://other.example:8443',
      ]);
      expect(elsewhere).toMatchObject({ code: 2, stderr: expect.stringContaining(`registered with ${s1.url}`) as unknown });
      const withPolicies = await runAgent(['--socket', fresh.socket, '--data-dir', fresh.dataDir, '--fleet', s1.url, '--policies', fresh.dir]);
      expect(withPolicies).toMatchObject({ code: 2, stderr: expect.stringContaining('leave out --policies and --jobs') as unknown });
      // An empty stdin is no token.
      const badToken = await runAgent(['--fleet', s1.url, '--register', '-', '--data-dir', fresh.dataDir]);
      expect(badToken).toMatchObject({ code: 1, stderr: expect.stringContaining('not a keeper-fleet registration token') as unknown });
      // A fleet key others can read is refused: whoever reads it could act as this machine.
      expect(await fleet.register(fx, { url: s1.url, group: 'engineering' }, fresh.dataDir, 'machine-c')).toMatchObject({ code: 0 });
      chmodSync(join(fresh.dataDir, 'fleet', 'key.pem'), 0o644);
      const readableKey = await runAgent(['--socket', fresh.socket, '--data-dir', fresh.dataDir, '--health-port', '0', '--fleet', s1.url], 10_000).catch(
        (error: Error) => ({ code: null, stderr: error.message }),
      );
      expect(readableKey).toMatchObject({ code: 2, stderr: expect.stringContaining('key.pem must belong to the agent') as unknown });
    } finally {
      fresh.cleanup();
    }
  });

  it("a request on A is approved from B by keeper-bob through B's agent, and the program runs on A", async () => {
    const requester = startRequester(machines.a.socket, 'keeper-alice', '/usr/bin/true', 'Patch Tuesday: updating the VPN client', { cwd: '/tmp' });
    const approval = await listed(requester);
    expect(approval).toMatchObject({
      status: 'Pending',
      machine: 'machine-a',
      requester: { name: 'keeper-alice' },
      justification: 'Patch Tuesday: updating the VPN client',
      application: { path: '/usr/bin/true', commandLine: '/usr/bin/true' },
      matchedPolicies: [expect.objectContaining({ policyId: 'pol-true' })] as unknown,
    });
    expect(approval.application.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(approval.cwd).toBe('/tmp');
    const decided = await callAs(machines.b.socket, 'keeper-bob', 'approvals.decide', { approvalId: approval.approvalId, decision: 'approve', reason: 'ok' });
    expect(decided).toMatchObject({ ok: true, result: { status: 'Approved', decision: { by: { name: 'keeper-bob' } } } });
    expect(await requester.outcome).toEqual({ state: 'allowed', reason: 'Every control passed.' });
    // A replayed decision is refused: one decision per request.
    expect(await callAs(machines.b.socket, 'keeper-bob', 'approvals.decide', { approvalId: approval.approvalId, decision: 'deny' })).toMatchObject({
      ok: false,
      code: -33006,
    });
  });

  it("nobody relays as someone else: the actor is the kernel's caller, not a parameter", async () => {
    const requester = startRequester(machines.a.socket, 'keeper-alice', '/usr/bin/false', 'Please let me test this one');
    const approval = await listed(requester);
    const refusals: CallOutcome[] = [
      // A system account on B is no approver, whatever it claims.
      await callAs(machines.b.socket, 'nobody', 'approvals.decide', { approvalId: approval.approvalId, decision: 'approve' }),
      // An actor in the params is not the caller: it is dropped, and nobody stays nobody.
      await callAs(machines.b.socket, 'nobody', 'approvals.decide', {
        approvalId: approval.approvalId,
        decision: 'approve',
        actor: { uid: 1002, name: 'keeper-bob', groups: [] },
      }),
      // The requester cannot decide her own request through another machine.
      await callAs(machines.b.socket, 'keeper-alice', 'approvals.decide', { approvalId: approval.approvalId, decision: 'approve' }),
    ];
    expect(refusals.map((r) => (r.ok ? 'ALLOWED' : r.code))).toEqual([-33001, -33001, -33001]);
    await callAs(machines.b.socket, 'keeper-bob', 'approvals.decide', { approvalId: approval.approvalId, decision: 'deny', reason: 'not today' });
    expect(await requester.outcome).toEqual({ state: 'denied', reason: 'Denied by keeper-bob: not today' });
  });

  it("a new policy set pushed to A's group is installed and in effect at once", async () => {
    await pushPolicies(s2.db, 'engineering', {
      policies: { 'collections.json': collections({ 'col-true': '/usr/bin/true' }), 'policies.json': [appPolicy('pol-true', 'col-true', ['APPROVAL'])] },
      jobs: shippedJobs(),
    });
    await waitForStatus(machines.a.socket, (s) => s.fleet?.policyVersion === 2 && s.policies.active === 1, 'version 2 in effect on A');
    // B's group did not change.
    expect((await statusOf(machines.b.socket)).fleet?.policyVersion).toBe(1);
  });

  it("A offline (its server gone): APPROVAL is refused with the seed's reason; back online, the outbox drains once", async () => {
    const port = s1.port;
    await s1.close();
    await waitForStatus(machines.a.socket, (s) => !s.online, 'A offline');
    const requester = startRequester(machines.a.socket, 'keeper-alice', '/usr/bin/true', 'Needed while the fleet is away');
    expect(await requester.outcome).toEqual({ state: 'denied', reason: 'The agent is offline, and APPROVAL needs a network connection.' });

    s1 = await fx.start({ port });
    await waitForStatus(machines.a.socket, (s) => s.online, 'A online again');
    const machineId = (JSON.parse(readFileSync(join(machines.a.dataDir, 'fleet', 'state.json'), 'utf8')) as { machineId: string }).machineId;
    const local = () => {
      const db = new Database(join(machines.a.dataDir, 'agent.db'), { readonly: true });
      try {
        return (db.prepare('SELECT id FROM audit_events ORDER BY seq').all() as Array<{ id: string }>).map((r) => r.id);
      } finally {
        db.close();
      }
    };
    const offlineEvents = local();
    const stored = await until(
      async () => {
        // The server's own events about A (server:…) are not A's.
        const rows = (
          await fx.admin.query<{ event_id: string }>(`SELECT event_id FROM audit_events WHERE machine_id = $1 AND event_id NOT LIKE 'server:%'`, [machineId])
        ).rows.map((r) => r.event_id);
        return offlineEvents.every((id) => rows.includes(id)) ? rows : undefined;
      },
      20_000,
      "A's outbox on the server",
    );
    // Each event once (the table would keep a repeat out, so count what arrived against what exists).
    expect(new Set(stored).size).toBe(stored.length);
    expect(stored.filter((id) => !local().includes(id))).toEqual([]);
    const db = new Database(join(machines.a.dataDir, 'agent.db'), { readonly: true });
    const cursor = db.prepare(`SELECT last_seq FROM audit_sink_cursors WHERE sink = 'fleet'`).get() as { last_seq: number };
    const seqOf = db.prepare('SELECT seq FROM audit_events WHERE id = ?');
    expect(cursor.last_seq).toBeGreaterThanOrEqual((seqOf.get(offlineEvents.at(-1)!) as { seq: number }).seq);
    db.close();
  });
});
