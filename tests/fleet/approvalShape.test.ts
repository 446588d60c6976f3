import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetApproval } from '../../shared/protocol/src/common/fleet.ts';
import { approvalJsonSql, toApproval, type ApprovalRow } from '../../apps/fleet-server/src/services/approvalShape.ts';
import { createFleetFixture, type FleetFixture } from './support/fleetHarness.ts';

/**
 * Filing and deciding answer with the approval as PostgreSQL serialized it (approvalJsonSql), every
 * other route with toApproval: the two must be the same approval for every kind of row.
 */
let fx: FleetFixture;
const machineId = randomUUID();

beforeAll(async () => {
  fx = await createFleetFixture();
  await fx.admin.query("INSERT INTO deployment_groups (name) VALUES ('shape')");
  await fx.admin.query(
    "INSERT INTO machines (machine_id, hostname, group_name, public_key_sha256, cert_expires_at) VALUES ($1, 'host-1', 'shape', 'x', now() + interval '1 day')",
    [machineId],
  );
});
afterAll(() => fx.drop());

const application = { path: '/usr/bin/apt-get', sha256: 'a'.repeat(64), commandLine: '/usr/bin/apt-get install "htop" \\ ü', signer: null };
const policies = [{ policyId: 'p', policyName: 'Approve "admin" tools', status: 'enforce', specificity: 0, controls: ['APPROVAL'] }];
const agentic = { parentProcess: '/opt/agents/bin/coding-agent', aiLikelihoodPercent: 92, signals: [] };

/** A plain pending request, column by column, as SQL expressions. */
const PLAIN: Record<string, string> = {
  approval_id: '$1',
  machine_id: '$2',
  request_id: '$3',
  group_name: "'shape'",
  status: "'Pending'",
  requester_uid: '1001',
  requester_name: "'keeper-alice'",
  machine_name: "'host-1'",
  application: '$4',
  working_directory: "'/home/keeper-alice'",
  justification: "'needs it'",
  matched_policies: '$5',
  expires_at: "now() + interval '30 minutes'",
};

/** Columns that differ from PLAIN, as SQL expressions. */
const ROWS: Record<string, Record<string, string>> = {
  pending: {},
  'microsecond timestamps': { created_at: "'2026-12-07 10:00:00.123999+00'", expires_at: "'2026-12-07 10:30:00.000001+00'" },
  escalated: { status: "'Escalated'", escalated_at: 'now()' },
  approved: {
    status: "'Approved'",
    decided_at: 'now()',
    decided_by_uid: '1002',
    decided_by_name: "'keeper-bob'",
    decision_reason: '\'ok "then"\'',
    usable_until: "now() + interval '1 day'",
  },
  'denied without uid or reason': { status: "'Denied'", decided_at: 'now()', decided_by_name: "'carol'" },
  'decided time without a name': { status: "'Expired'", decided_at: 'now()' },
  'quorum with a vote': { quorum: '2', votes: `'[{"by":{"uid":1002,"name":"keeper-bob"},"at":"2026-12-07T10:00:00.000Z"}]'` },
  'agentic detected': { agentic: `'${JSON.stringify(agentic)}'`, agentic_reported: 'true' },
  'agentic looked for, none': { agentic_reported: 'true' },
};

describe('the approval as PostgreSQL serializes it', () => {
  it.each(Object.entries(ROWS))('equals toApproval for a row: %s', async (_kind, columns) => {
    const approvalId = randomUUID();
    const values = { ...PLAIN, ...columns };
    await fx.admin.query(`INSERT INTO approvals (${Object.keys(values).join(', ')}) VALUES (${Object.values(values).join(', ')})`, [
      approvalId,
      machineId,
      `req-${approvalId}`,
      JSON.stringify(application),
      JSON.stringify(policies),
    ]);
    const { rows } = await fx.admin.query<ApprovalRow & { json: string }>(
      `SELECT a.*, ${approvalJsonSql('a')}::text AS json FROM approvals a WHERE approval_id = $1`,
      [approvalId],
    );
    const row = rows[0]!;
    const fromSql: unknown = JSON.parse(row.json);
    expect(fromSql).toEqual(toApproval(row));
    expect(FleetApproval.parse(fromSql)).toEqual(fromSql);
  });
});
