import { passwdEntryOf } from '../identity/accounts.ts';

/** A local or directory account to run a program as (Keeper.RunAs). */
export interface TargetAccount {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

/** keeper-elevate's identity; keeper-runas requests resolve their own. */
export const ROOT: TargetAccount = { uid: 0, gid: 0, home: '/root', name: 'root', shell: '/bin/sh' };

/**
 * The account named exactly `name` through NSS (so directory users resolve too), or null when no
 * such user exists. Not cached: a target is looked up once per request, and a removed account must
 * not linger.
 */
export async function lookupTargetAccount(name: string): Promise<TargetAccount | null> {
  const entry = await passwdEntryOf(name);
  return entry && { ...entry, home: entry.home || '/', shell: entry.shell || '/bin/sh' };
}
