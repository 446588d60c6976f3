import { accessSync, constants, mkdirSync, statSync } from 'node:fs';

export class DataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataDirError';
  }
}

/**
 * A data dir named by the admin must already exist (a typo must not silently start an empty agent);
 * the default one is created, private to the service.
 */
export function prepareDataDir(path: string, explicit: boolean): void {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    if (explicit) throw new DataDirError(`data directory ${path} does not exist; create it or pass another --data-dir`);
    mkdirSync(path, { recursive: true, mode: 0o700 });
    return;
  }
  if (!stats.isDirectory()) throw new DataDirError(`data directory ${path} is not a directory`);
  try {
    accessSync(path, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch {
    throw new DataDirError(`data directory ${path} is not readable and writable by this user`);
  }
}
