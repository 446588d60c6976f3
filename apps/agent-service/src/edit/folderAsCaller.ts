import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';

const SETPRIV = '/usr/bin/setpriv';
const SH = '/bin/sh';
/** `cd` needs search permission on the folder itself (realpath would only need it on the folders above). */
const CD_PWD = ['-c', 'cd -P -- "$1" && pwd -P', 'sh'];
/** A lookup that has not answered by then (a stalled network mount) is given up. */
const RESOLVE_TIMEOUT_MS = 10_000;

/**
 * The canonical path of `folder` as the caller resolves it (`cd -P` into it and `pwd -P`), with the
 * caller's uid and groups (util-linux setpriv, as for keeper-runas), or null when the caller cannot
 * enter it. So keeper-edit says nothing about folders, links and files the caller could not look at
 * (docs/security.md, E1).
 */
export function folderAsCaller(folder: string, uid: number, gid: number): Promise<string | null> {
  if (uid === 0) {
    try {
      return Promise.resolve(realpathSync(folder));
    } catch {
      return Promise.resolve(null);
    }
  }
  const [file, args, identity] = existsSync(SETPRIV)
    ? [SETPRIV, ['--reuid', String(uid), '--regid', String(gid), '--init-groups', '--', SH, ...CD_PWD, folder], {}]
    : // Without setpriv: the caller's uid and primary group only (libuv drops supplementary groups).
      [SH, [...CD_PWD, folder], { uid, gid }];
  return new Promise((resolve) => {
    execFile(file, args, { ...identity, encoding: 'utf8', timeout: RESOLVE_TIMEOUT_MS, env: { LC_ALL: 'C' } }, (error, stdout) => {
      const path = stdout.replace(/\n$/, '');
      resolve(error || !path.startsWith('/') || path.includes('\n') ? null : path);
    });
  });
}
