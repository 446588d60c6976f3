import type { Db } from '../db/pool.ts';
import { authenticateMachine, type AuthenticatedMachine } from './machines.ts';

/**
 * The authentication check of every agent call without a database query per call. An entry lives
 * at most `ttlMs`; a revocation drops it on every instance through its NOTIFY (revokeMachine sends
 * it at COMMIT), and while this instance's LISTEN connection is down nothing is trusted from the
 * cache, because a revocation sent meanwhile would be missed.
 */
export class MachineCache {
  private readonly entries = new Map<string, { machine: AuthenticatedMachine; until: number }>();
  private listening = false;
  private readonly db: Db;
  private readonly ttlMs: number;

  constructor(db: Db, ttlMs = 10_000) {
    this.db = db;
    this.ttlMs = ttlMs;
  }

  async authenticate(machineId: string, now = Date.now()): Promise<AuthenticatedMachine> {
    const hit = this.listening ? this.entries.get(machineId) : undefined;
    if (hit && hit.until > now) return hit.machine;
    const machine = await authenticateMachine(this.db, machineId);
    if (this.listening) this.entries.set(machineId, { machine, until: now + this.ttlMs });
    return machine;
  }

  revoked(machineId: string): void {
    this.entries.delete(machineId);
  }

  /** The LISTEN connection's state: revocations are heard only while it is up. */
  setListening(up: boolean): void {
    this.listening = up;
    this.entries.clear();
  }
}
