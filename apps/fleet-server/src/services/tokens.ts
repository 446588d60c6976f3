import { createHash, randomBytes } from 'node:crypto';
import { GroupName } from '../../../../shared/protocol/src/common/fleet.ts';
import type { Db, Tx } from '../db/pool.ts';
import { FleetError } from '../http/fleetError.ts';

/**
 * A token is `kf1.<secret>.<CA fingerprint>`: the agent pins the CA it is about to trust with the
 * fingerprint, and the server keeps only a hash of the whole string.
 */
const TOKEN = /^kf1\.[A-Za-z0-9_-]{43}\.([0-9a-f]{64})$/;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function caFingerprintOfToken(token: string): string | null {
  return TOKEN.exec(token)?.[1] ?? null;
}

export async function ensureGroup(db: Db | Tx, group: string): Promise<void> {
  const name = GroupName.safeParse(group);
  if (!name.success) throw new FleetError('bad-request', `"${group}" is not a valid deployment group name: ${name.error.issues[0]?.message ?? ''}`);
  await db.query('INSERT INTO deployment_groups (name) VALUES ($1) ON CONFLICT DO NOTHING', [name.data]);
}

export async function createToken(db: Db, group: string, lifetimeMs: number, caFingerprint: string): Promise<{ token: string; expiresAt: Date }> {
  await ensureGroup(db, group);
  const token = `kf1.${randomBytes(32).toString('base64url')}.${caFingerprint}`;
  const { rows } = await db.query<{ expires_at: Date }>(
    "INSERT INTO registration_tokens (token_hash, group_name, expires_at) VALUES ($1, $2, now() + $3 * interval '1 millisecond') RETURNING expires_at",
    [hashToken(token), group, lifetimeMs],
  );
  return { token, expiresAt: rows[0]!.expires_at };
}

/** Marks the token used (once, whichever instance asks first) and returns its group, or refuses. */
export async function consumeToken(tx: Tx, token: string, machineId: string): Promise<string> {
  const hash = hashToken(token);
  const { rows } = await tx.query<{ group_name: string }>(
    'UPDATE registration_tokens SET used_at = now(), used_by = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING group_name',
    [hash, machineId],
  );
  if (rows[0]) return rows[0].group_name;
  const { rows: known } = await tx.query<{ used: boolean }>('SELECT used_at IS NOT NULL AS used FROM registration_tokens WHERE token_hash = $1', [hash]);
  if (!known[0]) throw new FleetError('token-invalid', 'the registration token is not known to this fleet');
  if (known[0].used) throw new FleetError('token-used', 'the registration token was already used (tokens are single-use)');
  throw new FleetError('token-expired', 'the registration token has expired');
}
