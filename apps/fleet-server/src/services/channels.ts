import type { Tx } from '../db/pool.ts';

/** NOTIFY channels; payloads are ids only (a NOTIFY payload is capped at 8000 bytes). */
export const CHANNELS = {
  /**
   * `machineId:eventId:approvalId:json`: a durable machine event was committed, and the approval it
   * carries changed (the queue hint too: one NOTIFY per decision). `json` is the event's approval
   * when it fits the NOTIFY (see INLINE_EVENT_BYTES), else empty and the event is read back.
   */
  machineEvent: 'keeper_fleet_machine_event',
  /** approval id: the fleet queue changed (approvers' agents re-list). */
  queue: 'keeper_fleet_queue',
  /** `group:version`: a group's policy set changed. */
  policy: 'keeper_fleet_policy',
  /** machine id: revoked; every instance closes its streams at once. */
  revoked: 'keeper_fleet_revoked',
} as const;

/** NOTIFY payloads are capped at 8000 bytes; the ids and separators take under 100. */
export const INLINE_EVENT_BYTES = 7800;

export interface MachineEventNotice {
  machineId: string;
  eventId: string;
  approvalId: string;
  /** The approval as JSON, or null when it was too large to ride along. */
  json: string | null;
}

export function parseMachineEventNotice(payload: string): MachineEventNotice | null {
  const a = payload.indexOf(':');
  const b = payload.indexOf(':', a + 1);
  const c = payload.indexOf(':', b + 1);
  if (a <= 0 || b <= a + 1 || c <= b + 1) return null;
  const eventId = payload.slice(a + 1, b);
  if (!/^\d{1,19}$/.test(eventId)) return null;
  return { machineId: payload.slice(0, a), eventId, approvalId: payload.slice(b + 1, c), json: c + 1 < payload.length ? payload.slice(c + 1) : null };
}

/** Queued in the transaction: delivered at COMMIT, dropped on ROLLBACK. */
export async function notify(tx: Tx, channel: string, payload: string): Promise<void> {
  await tx.query({ name: 'fleet-notify', text: 'SELECT pg_notify($1, $2)', values: [channel, payload] });
}
