import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { assertTrustedFolder, UntrustedFolderError } from '../config/folderTrust.ts';

export class DataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirError';
  }
}

/**
 * A data dir named by the admin must already exist (a typo must not silently start an empty agent);
 * the default one is created, private to the service. Either way it must be the agent's alone: it
 * holds every user's justifications, approvals and audit trail.
 */
export function prepareDataDir(path: string, explicit: boolean, uid: number): void {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    if (explicit) throw new DataDirError(`data directory ${path} does not exist; create it or pass another --data-dir`);
    mkdirSync(path, { recursive: true, mode: 0o700 });
    stats = statSync(path);
  }
  if (!stats.isDirectory()) throw new DataDirError(`data directory ${path} is not a directory`);
  try {
    accessSync(path, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch {
    throw new DataDirError(`data directory ${path} is not readable and writable by this user`);
  }
  try {
    assertTrustedFolder(path, { what: 'data', uid, privateToOwner: true });
  } catch (error) {
    if (error instanceof UntrustedFolderError) throw new DataDirError(error.message);
    throw error;
  }
}
