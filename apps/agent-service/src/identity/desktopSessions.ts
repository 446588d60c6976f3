import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { passwdEntryOf } from './accounts.ts';
import { ancestry, readProcess } from './processTree.ts';

/**
 * How the agent tells a person's desktop from any other process: `logind` (the default) asks
 * systemd-logind's session state, as polkit does; `local-login` is for machines without logind and
 * for a personal agent whose socket only its own user can reach: any person account counts.
 */
export const DesktopSessionMode = z.enum(['logind', 'local-login']);
export type DesktopSessionMode = z.infer<typeof DesktopSessionMode>;

export interface DesktopCheckSettings {
  readonly mode: DesktopSessionMode;
  /** logind's state folder (`sessions/<id>`, `users/<uid>`); tests point it at a fixture. */
  readonly logindDir: string;
}

export const DEFAULT_LOGIND_DIR = '/run/systemd';

/** Why a connection that said it is a desktop is not treated as one. */
export const DesktopRejection = z.enum([
  'no-peer-credentials',
  'unknown-account',
  'system-account',
  'no-login-shell',
  'no-session',
  'session-of-another-user',
  'session-not-active',
  'session-not-graphical',
  'session-remote',
  'session-not-user-class',
]);
export type DesktopRejection = z.infer<typeof DesktopRejection>;

export type DesktopVerdict = { readonly verified: true; readonly session: string | null } | { readonly verified: false; readonly reason: DesktopRejection };

/** The words for each rejection, for logs, audit and the CLI. */
export const REJECTION_WORDS: Readonly<Record<DesktopRejection, string>> = {
  'no-peer-credentials': 'the agent cannot tell which process connected',
  'unknown-account': 'the account is unknown',
  'system-account': 'system accounts have no desktop',
  'no-login-shell': 'the account has no login shell',
  'no-session': 'the process is not in a login session',
  'session-of-another-user': 'the login session belongs to another user',
  'session-not-active': 'the login session is not the active one',
  'session-not-graphical': 'the login session is not graphical',
  'session-remote': 'the login session is remote',
  'session-not-user-class': 'the login session is not a user session',
};

const PROC = '/proc';
const NO_LOGIN_SHELL = /\/(nologin|false)$/;

export interface PersonAccount {
  readonly uid: number;
  /** From NSS; null when the account is unknown. */
  readonly shell: string | null;
}

function keyValues(text: string | null): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) map.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return map;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The range of person uids: UID_MIN..UID_MAX from /etc/login.defs (1000..60000 when unset). */
export interface PersonUids {
  readonly min: number;
  readonly max: number;
}

/** Reads the person uid range; below it are system accounts, above it `nobody` (65534) and the like. */
export function personUids(loginDefs = '/etc/login.defs'): PersonUids {
  const text = read(loginDefs) ?? '';
  const value = (key: string, fallback: number) => {
    const match = new RegExp(`^\\s*${key}\\s+(\\d+)`, 'm').exec(text);
    return match ? Number(match[1]) : fallback;
  };
  return { min: value('UID_MIN', 1000), max: value('UID_MAX', 60000) };
}

/** Whether an account may have a desktop at all: root or a uid in the person range, with a login shell. */
export function personCheck(account: PersonAccount, uids: PersonUids): DesktopRejection | null {
  if (account.shell === null) return 'unknown-account';
  if (account.uid !== 0 && (account.uid < uids.min || account.uid > uids.max)) return 'system-account';
  if (account.shell !== '' && NO_LOGIN_SHELL.test(account.shell)) return 'no-login-shell';
  return null;
}

/** The logind session of a process: from its cgroup, its audit session, its user manager, or its ancestors. */
function sessionOf(pid: number, uid: number, logindDir: string): string | null {
  const self = readProcess(pid, PROC);
  if (!self) return null;
  const scope = /\/session-([A-Za-z0-9_]+)\.scope(?:\/|$)/m.exec(self.cgroup);
  // A session logind no longer lists (it ended, or another state folder is read) tells nothing.
  const named = scope?.[1] ?? self.auditSession;
  if (named && /^[A-Za-z0-9_]+$/.test(named) && read(join(logindDir, 'sessions', named)) !== null) return named;
  // An app started by the user's systemd manager belongs to the user's display session.
  if (new RegExp(`/user@${uid}\\.service(?:/|$)`, 'm').test(self.cgroup)) {
    const display = keyValues(read(join(logindDir, 'users', String(uid)))).get('DISPLAY');
    if (display) return display;
  }
  // Nothing else tells (containers): a process descending from a session's leader belongs to that session.
  let ids: string[];
  try {
    ids = readdirSync(join(logindDir, 'sessions')).filter((name) => /^[A-Za-z0-9_]+$/.test(name));
  } catch {
    return null;
  }
  const leaders = new Map<number, { id: string; uid: string | undefined }[]>();
  for (const id of ids) {
    const state = keyValues(read(join(logindDir, 'sessions', id)));
    const leader = Number(state.get('LEADER'));
    if (Number.isInteger(leader) && leader > 0) leaders.set(leader, [...(leaders.get(leader) ?? []), { id, uid: state.get('UID') }]);
  }
  for (const process of ancestry(pid, PROC)) {
    // logind gives each session its own leader; should two share one, the caller's own counts.
    const sessions = leaders.get(process.pid);
    if (sessions) return (sessions.find((s) => s.uid === String(uid)) ?? sessions[0]!).id;
  }
  return null;
}

/** A logind session counts as a desktop only when it is the user's active, local, graphical seat session. */
function sessionCheck(id: string, uid: number, logindDir: string): DesktopRejection | null {
  const state = keyValues(read(join(logindDir, 'sessions', id)));
  if (state.size === 0) return 'no-session';
  if (state.get('UID') !== String(uid)) return 'session-of-another-user';
  if (state.get('CLASS') !== 'user') return 'session-not-user-class';
  if (state.get('REMOTE') !== '0') return 'session-remote';
  if (!['x11', 'wayland', 'mir'].includes(state.get('TYPE') ?? '')) return 'session-not-graphical';
  if (state.get('ACTIVE') !== '1' || state.get('STATE') !== 'active') return 'session-not-active';
  return null;
}

/**
 * Whether the process behind a connection (uid and pid from SO_PEERCRED) is a person's desktop:
 * a person account, and (mode `logind`) a process of that uid's active, local, graphical login session.
 * Runs once per desktop connection, at session.hello.
 */
export function verifyDesktop(
  peer: { readonly uid: number | null; readonly pid: number | null },
  account: PersonAccount | null,
  settings: DesktopCheckSettings,
  uids: PersonUids = personUids(),
): DesktopVerdict {
  if (peer.uid === null || peer.pid === null) return { verified: false, reason: 'no-peer-credentials' };
  const person = personCheck(account ?? { uid: peer.uid, shell: null }, uids);
  if (person) return { verified: false, reason: person };
  if (settings.mode === 'local-login') return { verified: true, session: null };
  const session = sessionOf(peer.pid, peer.uid, settings.logindDir);
  if (session === null) return { verified: false, reason: 'no-session' };
  const problem = sessionCheck(session, peer.uid, settings.logindDir);
  return problem ? { verified: false, reason: problem } : { verified: true, session };
}

/** `verifyDesktop` for a connection's peer, with its account looked up through NSS by the kernel-reported uid. */
export async function verifyDesktopPeer(
  peer: { readonly uid: number | null; readonly pid: number | null; readonly userName: string | null },
  settings: DesktopCheckSettings,
): Promise<DesktopVerdict> {
  const entry = peer.userName === null ? null : await passwdEntryOf(peer.userName);
  const account = entry !== null && entry.uid === peer.uid ? { uid: entry.uid, shell: entry.shell } : null;
  return verifyDesktop(peer, account, settings);
}
