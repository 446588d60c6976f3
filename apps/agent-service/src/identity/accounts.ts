import { execFileSync } from 'node:child_process';

export interface Account {
  readonly name: string | null;
  readonly home: string | null;
  readonly groups: readonly string[];
}

// Lookups go through NSS (getent, id) so directory users (LDAP, SSSD, AD) resolve too. They block the
// event loop briefly, so each uid is looked up at most once a minute.
const CACHE_MS = 60_000;
const cache = new Map<number, { account: Account; at: number }>();

function run(file: string, args: string[]): string | null {
  try {
    return execFileSync(file, args, { encoding: 'utf8', timeout: 2_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

/** Name, home folder and group names of a uid; unknown parts are null or empty, it never throws. */
export function lookupAccount(uid: number, now: number = Date.now()): Account {
  const cached = cache.get(uid);
  if (cached && now - cached.at < CACHE_MS) return cached.account;
  let name: string | null;
  let home: string | null = null;
  if (process.platform === 'darwin') {
    name = run('id', ['-nu', String(uid)])?.trim() || null;
  } else {
    const fields = run('getent', ['passwd', String(uid)])?.split('\n')[0]?.split(':');
    name = fields?.[0]?.trim() || null;
    home = fields?.[5]?.trim() || null;
  }
  const groups = name ? (run('id', ['-Gn', '--', name])?.trim().split(/\s+/).filter(Boolean) ?? []) : [];
  const account = { name, home, groups };
  cache.set(uid, { account, at: now });
  return account;
}
