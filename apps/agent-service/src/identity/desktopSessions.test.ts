import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { personCheck, personUids, verifyDesktop, type DesktopCheckSettings } from './desktopSessions.ts';

const UIDS = { min: 1000, max: 60000 };
const PERSON = { uid: 1001, shell: '/bin/bash' };

describe('desktop sessions: who may be offered a person’s prompt', () => {
  let dir: string;
  let settings: DesktopCheckSettings;
  const session = (id: string, fields: Record<string, string | number>) =>
    writeFileSync(
      join(dir, 'sessions', id),
      Object.entries(fields)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n') + '\n',
    );
  const desktop = { ACTIVE: 1, STATE: 'active', TYPE: 'x11', REMOTE: 0, CLASS: 'user' };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keeper-logind-'));
    mkdirSync(join(dir, 'sessions'));
    mkdirSync(join(dir, 'users'));
    settings = { mode: 'logind', logindDir: dir };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the person uid range from login.defs, with 1000..60000 when it says nothing', () => {
    const defs = join(dir, 'login.defs');
    writeFileSync(defs, '# comment\nUID_MIN\t\t 500\nUID_MAX 59999\n');
    expect(personUids(defs)).toEqual({ min: 500, max: 59999 });
    expect(personUids(join(dir, 'missing'))).toEqual(UIDS);
  });

  it('never counts a system account, nobody, a nologin shell or an unknown account as a person; root is one', () => {
    expect(personCheck({ uid: 33, shell: '/usr/sbin/nologin' }, UIDS)).toBe('system-account');
    expect(personCheck({ uid: 999, shell: '/bin/bash' }, UIDS)).toBe('system-account');
    expect(personCheck({ uid: 65534, shell: '/bin/sh' }, UIDS)).toBe('system-account');
    expect(personCheck({ uid: 1001, shell: '/usr/sbin/nologin' }, UIDS)).toBe('no-login-shell');
    expect(personCheck({ uid: 1001, shell: '/bin/false' }, UIDS)).toBe('no-login-shell');
    expect(personCheck({ uid: 1001, shell: null }, UIDS)).toBe('unknown-account');
    expect(personCheck({ uid: 0, shell: '/bin/bash' }, UIDS)).toBeNull();
    expect(personCheck(PERSON, UIDS)).toBeNull();
  });

  it('verifies a process descending from the leader of its user’s active, local, graphical session', () => {
    session('7', { UID: PERSON.uid, LEADER: process.pid, ...desktop });
    expect(verifyDesktop({ uid: PERSON.uid, pid: process.pid }, PERSON, settings, UIDS)).toEqual({ verified: true, session: '7' });
    // A child of this process belongs to the same session.
    const child = spawn('sleep', ['5']);
    try {
      expect(verifyDesktop({ uid: PERSON.uid, pid: child.pid! }, PERSON, settings, UIDS)).toEqual({ verified: true, session: '7' });
    } finally {
      child.kill();
    }
  });

  it('refuses every other session: another user’s, inactive, remote, text-only, a greeter, or none', () => {
    const check = (fields: Record<string, string | number>) => {
      session('9', { UID: PERSON.uid, LEADER: process.pid, ...desktop, ...fields });
      return verifyDesktop({ uid: PERSON.uid, pid: process.pid }, PERSON, settings, UIDS);
    };
    expect(check({ UID: 1002 })).toEqual({ verified: false, reason: 'session-of-another-user' });
    expect(check({ ACTIVE: 0, STATE: 'online' })).toEqual({ verified: false, reason: 'session-not-active' });
    expect(check({ REMOTE: 1 })).toEqual({ verified: false, reason: 'session-remote' });
    expect(check({ TYPE: 'tty' })).toEqual({ verified: false, reason: 'session-not-graphical' });
    expect(check({ CLASS: 'greeter' })).toEqual({ verified: false, reason: 'session-not-user-class' });
    rmSync(join(dir, 'sessions', '9'));
    expect(verifyDesktop({ uid: PERSON.uid, pid: process.pid }, PERSON, settings, UIDS)).toEqual({ verified: false, reason: 'no-session' });
  });

  it('picks the caller’s own session when fixtures give two sessions one leader', () => {
    session('1', { UID: 0, LEADER: process.pid, ...desktop });
    session('2', { UID: PERSON.uid, LEADER: process.pid, ...desktop });
    expect(verifyDesktop({ uid: PERSON.uid, pid: process.pid }, PERSON, settings, UIDS)).toEqual({ verified: true, session: '2' });
    expect(verifyDesktop({ uid: 0, pid: process.pid }, { uid: 0, shell: '/bin/bash' }, settings, UIDS)).toEqual({ verified: true, session: '1' });
  });

  it('local-login counts any person account, still never a system account; no credentials is never a desktop', () => {
    const local: DesktopCheckSettings = { mode: 'local-login', logindDir: dir };
    expect(verifyDesktop({ uid: PERSON.uid, pid: process.pid }, PERSON, local, UIDS)).toEqual({ verified: true, session: null });
    expect(verifyDesktop({ uid: 65534, pid: process.pid }, { uid: 65534, shell: '/usr/sbin/nologin' }, local, UIDS)).toEqual({
      verified: false,
      reason: 'system-account',
    });
    expect(verifyDesktop({ uid: null, pid: null }, null, local, UIDS)).toEqual({ verified: false, reason: 'no-peer-credentials' });
  });
});
