import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import type { RegisterRequest, RegisterResponse } from '../../../../shared/protocol/src/common/fleet.ts';
import { inTransaction, type Db } from '../db/pool.ts';
import { FleetError } from '../http/fleetError.ts';
import { publicKeySha256, readCsr, type FleetCa } from '../pki/ca.ts';
import { auditServer } from './audit.ts';
import { CHANNELS, notify } from './channels.ts';
import { consumeToken } from './tokens.ts';

export interface MachineRow {
  machineId: string;
  hostname: string;
  group: string;
  registeredAt: string;
  certExpiresAt: string;
  lastSeenAt: string | null;
  revokedAt: string | null;
}

/**
 * Registers a machine: the token is consumed and the machine row written in one transaction, so a
 * token can never register two machines, and a failed registration leaves the token usable.
 * The certificate's CN is the id the server chose, never anything the agent sent.
 */
export async function registerMachine(db: Db, ca: FleetCa, body: z.infer<typeof RegisterRequest>, lifetimeMs: number): Promise<RegisterResponse> {
  const csr = await readCsr(body.csr);
  if (!csr) throw new FleetError('csr-invalid', 'the certificate request is malformed or its signature does not verify');
  const machineId = randomUUID();
  const keyHash = await publicKeySha256(csr.publicKey);
  const issued = await ca.issueClientCert(machineId, csr.publicKey, lifetimeMs);
  const group = await inTransaction(db, async (tx) => {
    const group = await consumeToken(tx, body.token, machineId);
    await tx.query('INSERT INTO machines (machine_id, hostname, group_name, public_key_sha256, cert_expires_at, offline_key) VALUES ($1, $2, $3, $4, $5, $6)', [
      machineId,
      body.hostname,
      group,
      keyHash,
      issued.notAfter,
      body.offlineKey === undefined ? null : Buffer.from(body.offlineKey, 'base64url'),
    ]);
    await auditServer(tx, 'machine.registered', { hostname: body.hostname, group, offlineApproval: body.offlineKey !== undefined }, { machineId });
    return group;
  });
  return { machineId, group, certificate: issued.pem, caCertificate: ca.certPem };
}

/** A new certificate for the same key (the CSR must carry the registered public key). */
export async function renewCertificate(db: Db, ca: FleetCa, machineId: string, csrPem: string, lifetimeMs: number): Promise<string> {
  const csr = await readCsr(csrPem);
  if (!csr) throw new FleetError('csr-invalid', 'the certificate request is malformed or its signature does not verify');
  const keyHash = await publicKeySha256(csr.publicKey);
  const { rows } = await db.query<{ public_key_sha256: string }>('SELECT public_key_sha256 FROM machines WHERE machine_id = $1 AND revoked_at IS NULL', [
    machineId,
  ]);
  if (!rows[0]) throw new FleetError('machine-revoked', 'this machine is revoked or unknown');
  if (rows[0].public_key_sha256 !== keyHash) throw new FleetError('csr-invalid', "the certificate request is not for this machine's registered key");
  const issued = await ca.issueClientCert(machineId, csr.publicKey, lifetimeMs);
  await db.query('UPDATE machines SET cert_expires_at = $2 WHERE machine_id = $1', [machineId, issued.notAfter]);
  return issued.pem;
}

export interface AuthenticatedMachine {
  machineId: string;
  hostname: string;
  group: string;
}

/**
 * Every authenticated call: a revoked machine is refused at once, whatever certificate it holds.
 * last_seen is written at most every 30 s per machine, so the check stays a read.
 */
export async function authenticateMachine(db: Db, machineId: string): Promise<AuthenticatedMachine> {
  const { rows } = await db.query<{ hostname: string; group_name: string; revoked: boolean; stale: boolean }>({
    name: 'fleet-authenticate-machine',
    text: "SELECT hostname, group_name, revoked_at IS NOT NULL AS revoked, last_seen_at IS NULL OR last_seen_at < now() - interval '30 seconds' AS stale FROM machines WHERE machine_id = $1",
    values: [machineId],
  });
  const row = rows[0];
  if (!row || row.revoked) throw new FleetError('machine-revoked', 'this machine is revoked or unknown');
  if (row.stale) await db.query('UPDATE machines SET last_seen_at = now() WHERE machine_id = $1', [machineId]);
  return { machineId, hostname: row.hostname, group: row.group_name };
}

export async function listMachines(db: Db, group?: string): Promise<MachineRow[]> {
  const { rows } = await db.query<{
    machine_id: string;
    hostname: string;
    group_name: string;
    registered_at: Date;
    cert_expires_at: Date;
    last_seen_at: Date | null;
    revoked_at: Date | null;
  }>('SELECT * FROM machines WHERE ($1::text IS NULL OR group_name = $1) ORDER BY registered_at', [group ?? null]);
  return rows.map((r) => ({
    machineId: r.machine_id,
    hostname: r.hostname,
    group: r.group_name,
    registeredAt: r.registered_at.toISOString(),
    certExpiresAt: r.cert_expires_at.toISOString(),
    lastSeenAt: r.last_seen_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  }));
}

export async function revokeMachine(db: Db, machineId: string): Promise<boolean> {
  return inTransaction(db, async (tx) => {
    const { rowCount } = await tx.query('UPDATE machines SET revoked_at = now() WHERE machine_id = $1 AND revoked_at IS NULL', [machineId]);
    if (!rowCount) return false;
    await auditServer(tx, 'machine.revoked', {}, { machineId });
    await notify(tx, CHANNELS.revoked, machineId);
    return true;
  });
}
