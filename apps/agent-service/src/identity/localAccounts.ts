import { readdir, readFile } from 'node:fs/promises';

export interface Account {
  readonly name: string | null;
  readonly home: string | null;
  readonly groups: readonly string[];
}

/** A passwd entry as NSS reports it; home and shell are empty when the directory leaves them out. */
export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

/** The local account files, and the NSS configuration that says whether they are the whole answer. */
export interface AccountFiles {
  readonly nsswitch: string;
  readonly passwd: string;
  readonly group: string;
}

export const SYSTEM_ACCOUNT_FILES: AccountFiles = { nsswitch: '/etc/nsswitch.conf', passwd: '/etc/passwd', group: '/etc/group' };

/**
 * systemd's userdb drop-in folders (systemd.userdb(5)). A `.membership` record there gives a group to
 * any account, one from /etc/passwd included, through nss-systemd.
 */
const USERDB_DIRS = ['/etc/userdb', '/run/userdb', '/run/host/userdb', '/usr/local/lib/userdb', '/usr/lib/userdb'];

/** Sources whose answers for an account listed in /etc/passwd add nothing to the files' answer (see `groupsAreLocal`). */
const LOCAL_GROUP_SOURCES = new Set(['files', 'systemd']);

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** The sources of one NSS database, or null when the line is missing, repeated or has actions (`[NOTFOUND=return]`). */
export function nsswitchSources(conf: string, database: string): string[] | null {
  const lines = conf
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.startsWith(`${database}:`));
  if (lines.length !== 1) return null;
  const sources = lines[0]!
    .slice(database.length + 1)
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  return sources.length > 0 && sources.every((source) => /^[a-z0-9_]+$/.test(source)) ? sources : null;
}

/** Records of a colon-separated account file; null when it holds a compat (`+`/`-`) line, which only NSS interprets. */
function records(text: string): string[][] | null {
  const lines = text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
  if (lines.some((line) => line.startsWith('+') || line.startsWith('-'))) return null;
  return lines.map((line) => line.split(':'));
}

function passwdRecord(fields: string[]): PasswdEntry | null {
  const [name, , uidText, gidText, , home, shell] = fields;
  if (!name || shell === undefined || !/^\d+$/.test(uidText ?? '') || !/^\d+$/.test(gidText ?? '')) return null;
  return { name, uid: Number(uidText), gid: Number(gidText), home: home ?? '', shell };
}

interface LocalFiles {
  readonly passwd: PasswdEntry[];
  /** The group file's records, or null when NSS could add memberships the file does not hold. */
  readonly group: string[][] | null;
}

/**
 * glibc answers getpwuid/getpwnam from the first source that knows the key, so with `files` first an
 * entry in /etc/passwd is exactly what getent prints. Groups (`id -Gn`, getgrouplist) merge every
 * source, so the file is the whole answer only when the other sources are nss-systemd without
 * membership drop-ins: its other records (systemd-homed, DynamicUser=, machined) are memberships of
 * their own accounts, never of one in /etc/passwd.
 */
async function readLocalFiles(files: AccountFiles): Promise<LocalFiles | null> {
  if (process.platform !== 'linux') return null;
  const conf = await readText(files.nsswitch);
  const passwdSources = conf === null ? null : nsswitchSources(conf, 'passwd');
  if (passwdSources?.[0] !== 'files') return null;
  const passwdText = await readText(files.passwd);
  const passwdRecords = passwdText === null ? null : records(passwdText);
  if (passwdRecords === null) return null;
  const passwd = passwdRecords.map(passwdRecord).filter((entry): entry is PasswdEntry => entry !== null);
  const groupSources = nsswitchSources(conf!, 'group');
  if (groupSources?.[0] !== 'files' || !groupSources.every((source) => LOCAL_GROUP_SOURCES.has(source))) return { passwd, group: null };
  if (groupSources.includes('systemd') && (await hasMembershipDropIns())) return { passwd, group: null };
  const groupText = await readText(files.group);
  return { passwd, group: groupText === null ? null : records(groupText) };
}

async function hasMembershipDropIns(): Promise<boolean> {
  const listings = await Promise.all(USERDB_DIRS.map((dir) => readdir(dir).catch(() => [] as string[])));
  return listings.some((names) => names.some((name) => name.endsWith('.membership')));
}

/** Group names of `entry` as `id -Gn` lists them (primary first); null when a gid has no name in the file. */
function groupsOf(entry: PasswdEntry, group: string[][]): string[] | null {
  const primary = group.find((fields) => fields[2] === String(entry.gid))?.[0];
  if (!primary) return null;
  const names = [primary];
  const seen = new Set([String(entry.gid)]);
  for (const [name, , gid, members] of group) {
    if (!name || gid === undefined || seen.has(gid) || !(members ?? '').split(',').includes(entry.name)) continue;
    seen.add(gid);
    names.push(name);
  }
  return names;
}

/**
 * The account of `uid` from the local files, or null when they are not the whole answer (another NSS
 * source first, groups that NSS could extend) or do not know the uid: the caller then asks NSS.
 */
export async function localAccount(files: AccountFiles, uid: number): Promise<Account | null> {
  const local = await readLocalFiles(files);
  const entry = local?.passwd.find((candidate) => candidate.uid === uid);
  if (!local?.group || !entry) return null;
  const groups = groupsOf(entry, local.group);
  return groups ? { name: entry.name, home: entry.home || null, groups } : null;
}

/** The passwd entry named exactly `name` from the local files, or null when NSS must be asked. */
export async function localEntryOfName(files: AccountFiles, name: string): Promise<PasswdEntry | null> {
  const local = await readLocalFiles(files);
  return local?.passwd.find((candidate) => candidate.name === name) ?? null;
}
