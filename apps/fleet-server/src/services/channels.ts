import type { Tx } from '../db/pool.ts';

/** NOTIFY channels; payloads are ids only (a NOTIFY payload is capped at 8000 bytes). */
export const CHANNELS = {
  /** `machineId:eventId`: a durable machine event was committed. */
  machineEvent: 'keeper_fleet_machine_event',
  /** approval id: the fleet queue changed (approvers' agents re-list). */
  queue: 'keeper_fleet_queue',
  /** `group:version`: a group's policy set changed. */
  policy: 'keeper_fleet_policy',
  /** machine id: revoked; every instance closes its streams at once. */
  revoked: 'keeper_fleet_revoked',
} as const;

/** Queued in the transaction: delivered at COMMIT, dropped on ROLLBACK. */
export async function notify(tx: Tx, channel: string, payload: string): Promise<void> {
  await tx.query('SELECT pg_notify($1, $2)', [channel, payload]);
}
