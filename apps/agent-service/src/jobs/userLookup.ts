import { execFileSync } from 'node:child_process';

/** The uid of a user name (or a numeric uid as text) through NSS, so directory users resolve too; null when unknown. */
export function uidOfUser(name: string): number | null {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    const uid = execFileSync('id', ['-u', '--', name], { encoding: 'utf8', timeout: 2_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^\d+$/.test(uid) ? Number(uid) : null;
  } catch {
    return null;
  }
}
