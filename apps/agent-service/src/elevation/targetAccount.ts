import { execFileSync } from 'node:child_process';

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
 * The passwd entry of `name` through NSS (so directory users resolve too), or null when no such user
 * exists. Not cached: a target is looked up once per request, and a removed account must not linger.
 */
export function lookupTargetAccount(name: string): TargetAccount | null {
  let output: string;
  try {
    output = execFileSync('getent', ['passwd', '--', name], { encoding: 'utf8', timeout: 2_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
  const fields = output.split('\n')[0]?.split(':');
  // getent also answers a numeric key with the account of that uid: only an exact name counts.
  if (!fields || fields.length < 7 || fields[0] !== name) return null;
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return null;
  return { name, uid, gid, home: fields[5] || '/', shell: fields[6] || '/bin/sh' };
}
