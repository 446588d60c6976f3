import https from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetIdentity } from '../../apps/agent-service/src/fleet/fleetIdentity.ts';
import type { RunningFleetServer } from '../../apps/fleet-server/src/fleetServer.ts';
import { pushPolicies } from '../../apps/fleet-server/src/services/policies.ts';
import { agentParentScript } from '../support/agentShapedProcess.ts';
import { callAs } from '../support/callAs.ts';
import { appPolicy, shippedJobs } from '../support/policyFixtures.ts';
import { startRequester } from '../support/requesterProcess.ts';
import { approvalRequest, createFleetFixture, until, type FleetFixture } from './support/fleetHarness.ts';
import { fleetMachines } from './support/fleetMachines.ts';

/**
 * What machine A's agent detected about an AI agent behind a request reaches an approver on machine
 * B (docs/agentic.md, docs/fleet.md): keeper-alice asks on A from under a real process shaped like
 * Aider; keeper-bob lists through B's agent, which relays to the fleet server on real PostgreSQL.
 */
let fx: FleetFixture;
let server: RunningFleetServer;
const fleet = fleetMachines();
const { machines } = fleet;

/** A filing with this machine's certificate, for bodies the typed client would never send. */
function rawFiling(identity: FleetIdentity, body: unknown): Promise<{ status: number; json: { error: string; message: string } }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${server.url}/v1/approvals`,
      { method: 'POST', ca: identity.caPem, cert: identity.certPem, key: identity.keyPem, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error: string; message: string } }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

beforeAll(async () => {
  fx = await createFleetFixture();
  server = await fx.start();
  const files = {
    policies: {
      'collections.json': {
        Collections: [
          { CollectionId: 'col-true', Type: 'Application', Members: [{ Path: '/usr/bin/true' }] },
          { CollectionId: 'col-false', Type: 'Application', Members: [{ Path: '/usr/bin/false' }] },
        ],
      },
      'policies.json': [appPolicy('pol-true', 'col-true', ['APPROVAL']), appPolicy('pol-false', 'col-false', ['APPROVAL'])],
    },
    jobs: shippedJobs(),
  };
  await pushPolicies(server.db, 'engineering', files);
  await pushPolicies(server.db, 'approvers', files);
  await fx.approver({ group: 'engineering', kind: 'user', principal: 'keeper-bob', role: 'approver' });
  await fleet.start(fx, { a: { url: server.url, group: 'engineering' }, b: { url: server.url, group: 'approvers' } }, 2);
}, 60_000);

afterAll(async () => {
  await fleet.stop();
  await fx?.drop();
});

describe('the AI-agent finding travels with a request filed with the fleet', () => {
  it("a request from under an Aider-shaped process on A shows the finding in B's approver list; one typed by hand says none", async () => {
    const aider = agentParentScript(join(machines.a.dir, 'agents'), 'aider');
    const byAgent = startRequester(machines.a.socket, 'keeper-alice', '/usr/bin/true', 'The agent wants to run the tests', { via: aider });
    const byHand = startRequester(machines.a.socket, 'keeper-alice', '/usr/bin/false', 'Checking by hand');
    try {
      const agentic = await fleet.inBobsQueue(await byAgent.requestId);
      expect(agentic.machine).toBe('machine-a');
      // Started by a test, not at a terminal: headless as well as the signature.
      expect(agentic.agentic).toMatchObject({
        parentProcess: aider,
        aiLikelihoodPercent: 100,
        signals: [
          { signal: 'signature', agent: 'Aider', name: 'aider', process: aider, generation: 1 },
          { signal: 'headless', percent: 100 },
        ],
      });
      const plain = await fleet.inBobsQueue(await byHand.requestId);
      expect(plain.agentic).toBeNull();

      // The server keeps what A filed, and the filing's audit record names the likelihood.
      const { rows } = await fx.admin.query<{ agentic: unknown; agentic_reported: boolean }>(
        'SELECT agentic, agentic_reported FROM approvals WHERE approval_id = $1',
        [agentic.approvalId],
      );
      expect(rows[0]).toEqual({ agentic: agentic.agentic, agentic_reported: true });
      const filed = await fx.admin.query<{ likelihood: string | null }>(
        "SELECT data->>'aiLikelihoodPercent' AS likelihood FROM audit_events WHERE type = 'fleet.approval.filed' AND data->>'approvalId' = ANY($1) ORDER BY data->>'path' DESC",
        [[agentic.approvalId, plain.approvalId]],
      );
      expect(filed.rows).toEqual([{ likelihood: '100' }, { likelihood: null }]);

      expect(
        await callAs(machines.b.socket, 'keeper-bob', 'approvals.decide', { approvalId: agentic.approvalId, decision: 'deny', reason: 'Not from an agent' }),
      ).toMatchObject({
        ok: true,
        result: { status: 'Denied' },
      });
      expect(await byAgent.outcome).toMatchObject({ state: 'denied' });
    } finally {
      byAgent.child.kill('SIGKILL');
      byHand.child.kill('SIGKILL');
    }
  });

  it('a filing from an older agent, which sends no finding, stays unreported rather than "none detected"', async () => {
    const { dataDir } = await fx.register(server, 'engineering', 'machine-old');
    const older = fx.client(dataDir);
    older.start();
    await until(() => (older.isOnline ? true : undefined), 10_000, 'the older agent online');
    const filed = await older.fileApproval(approvalRequest(`old-${Date.now()}`));
    expect(filed).not.toHaveProperty('agentic');
    const listed = await fleet.inBobsQueue(filed.requestId);
    expect(listed.machine).toBe('machine-old');
    expect(listed).not.toHaveProperty('agentic');
  });

  it('refuses a malformed finding with a clear error and stores nothing', async () => {
    const { identity } = await fx.register(server, 'engineering', 'machine-bad');
    const finding = { parentProcess: '/usr/local/bin/aider', aiLikelihoodPercent: 95, signals: [{ signal: 'signature', percent: 95 }] };
    const cases: Array<[string, unknown]> = [
      ['a likelihood above 100', { ...finding, aiLikelihoodPercent: 150 }],
      ['an unknown signal', { ...finding, signals: [{ signal: 'vibes', percent: 10 }] }],
      ['signals that are not a list', { ...finding, signals: 'signature' }],
      ['a finding that is not an object', 'aider'],
    ];
    for (const [what, agentic] of cases) {
      const answer = await rawFiling(identity, { ...approvalRequest(`bad-${what}`), agentic });
      expect(answer, what).toMatchObject({ status: 400, json: { error: 'bad-request' } });
      expect(answer.json.message, what).toContain('agentic');
    }
    const { rows } = await fx.admin.query<{ n: number }>("SELECT count(*)::int AS n FROM approvals WHERE request_id LIKE 'bad-%'");
    expect(rows[0]).toEqual({ n: 0 });
  });
});
