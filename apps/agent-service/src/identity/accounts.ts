import { execFile } from 'node:child_process';
import { localAccount, localEntryOfName, SYSTEM_ACCOUNT_FILES, type Account, type AccountFiles, type PasswdEntry } from './localAccounts.ts';

export { SYSTEM_ACCOUNT_FILES, type Account, type AccountFiles, type PasswdEntry } from './localAccounts.ts';

/** The NSS tools a directory runs; tests point them at slower stand-ins. */
export interface AccountCommands {
  readonly getent: string;
  readonly id: string;
}

export interface AccountDirectoryOptions {
  readonly commands?: AccountCommands;
  /** How long a uid's answer is kept. */
  readonly ttlMs?: number;
  /** Read the local account files first where NSS would answer from them alone (null: always run the tools). */
  readonly files?: AccountFiles | null;
}

const LOOKUP_TIMEOUT_MS = 2_000;

function runAsync(file: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8', timeout: LOOKUP_TIMEOUT_MS }, (error, stdout) => resolve(error ? null : stdout));
  });
}

/**
 * Account lookups through NSS (getent, id), so directory users (LDAP, SSSD, AD) resolve too, cached
 * per uid for `ttlMs`. Where NSS would give the same answer from the local files, they are read
 * instead of spawning two tools (see `localAccount`); an account the files do not know still goes
 * to the tools. A lookup can take up to its 2 s timeout when a directory is slow, so it runs
 * the tools as child processes without blocking the event loop and shares one lookup among
 * concurrent callers for the same uid. By-name lookups (`entryOfName`) are never cached: a removed
 * account must not linger for its TTL.
 */
export class AccountDirectory {
  private readonly commands: AccountCommands;
  private readonly ttlMs: number;
  private readonly cache = new Map<number, { account: Account; at: number }>();
  private readonly inFlight = new Map<number, Promise<Account>>();
  private readonly inFlightByName = new Map<string, Promise<PasswdEntry | null>>();
  private readonly files: AccountFiles | null;

  constructor({ commands = { getent: 'getent', id: 'id' }, ttlMs = 60_000, files = SYSTEM_ACCOUNT_FILES }: AccountDirectoryOptions = {}) {
    this.commands = commands;
    this.ttlMs = ttlMs;
    this.files = files;
  }

  /** Name, home folder and group names of a uid; unknown parts are null or empty, it never rejects. */
  lookupAsync(uid: number, now: number = Date.now()): Promise<Account> {
    const cached = this.fresh(uid, now);
    if (cached) return Promise.resolve(cached);
    const running = this.inFlight.get(uid);
    if (running) return running;
    const lookup = (async () => {
      const local = this.files ? await localAccount(this.files, uid) : null;
      if (local) return this.store(uid, local, now);
      const passwd = await (process.platform === 'darwin'
        ? runAsync(this.commands.id, ['-nu', String(uid)])
        : runAsync(this.commands.getent, ['passwd', String(uid)]));
      const { name, home } = parsePasswd(passwd);
      const groups = name ? parseGroups(await runAsync(this.commands.id, ['-Gn', '--', name])) : [];
      return this.store(uid, { name, home, groups }, now);
    })().finally(() => this.inFlight.delete(uid));
    this.inFlight.set(uid, lookup);
    return lookup;
  }

  /**
   * The passwd entry named exactly `name`, or null when there is none, without blocking the event
   * loop. Concurrent callers for one name share a run; nothing is kept once it answers.
   */
  entryOfName(name: string): Promise<PasswdEntry | null> {
    const running = this.inFlightByName.get(name);
    if (running) return running;
    const lookup = (async () => {
      const local = this.files ? await localEntryOfName(this.files, name) : null;
      return local ?? parseEntry(await runAsync(this.commands.getent, ['passwd', '--', name]), name);
    })().finally(() => this.inFlightByName.delete(name));
    this.inFlightByName.set(name, lookup);
    return lookup;
  }

  private fresh(uid: number, now: number): Account | null {
    const cached = this.cache.get(uid);
    return cached && now - cached.at < this.ttlMs ? cached.account : null;
  }

  private store(uid: number, account: Account, at: number): Account {
    this.cache.set(uid, { account, at });
    return account;
  }
}

/** `getent passwd` prints name:x:uid:gid:gecos:home:shell; `id -nu` (macOS) prints the name alone. */
function passwdFields(output: string | null): string[] {
  return output?.split('\n')[0]?.split(':') ?? [];
}

function parsePasswd(output: string | null): { name: string | null; home: string | null } {
  const fields = passwdFields(output);
  return { name: fields[0]?.trim() || null, home: fields[5]?.trim() || null };
}

function parseEntry(output: string | null, name: string): PasswdEntry | null {
  const [entryName, , uidText, gidText, , home, shell] = passwdFields(output);
  // getent also answers a numeric key with the account of that uid: only an exact name counts.
  if (entryName !== name || shell === undefined || !uidText || !gidText) return null;
  const uid = Number(uidText);
  const gid = Number(gidText);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return null;
  return { name, uid, gid, home: home ?? '', shell };
}

function parseGroups(output: string | null): string[] {
  return output?.trim().split(/\s+/).filter(Boolean) ?? [];
}

const directory = new AccountDirectory();

/** The agent's one directory (see AccountDirectory.lookupAsync). */
export function lookupAccountAsync(uid: number, now: number = Date.now()): Promise<Account> {
  return directory.lookupAsync(uid, now);
}

/** The agent's one directory, by exact name (see AccountDirectory.entryOfName). */
export function passwdEntryOf(name: string): Promise<PasswdEntry | null> {
  return directory.entryOfName(name);
}
