import { join } from 'node:path';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';

export const MIGRATIONS_DIR = join(import.meta.dirname, '..', '..', 'migrations');

/** Versioned migrations; `wait` lets several instances start at once (one migrates, the others wait). */
export async function migrate(databaseUrl: string, log: Logger): Promise<void> {
  await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    migrationsTable: 'pgmigrations',
    direction: 'up',
    singleTransaction: true,
    checkOrder: true,
    advisoryLockMode: 'wait',
    log: (message) => log.debug({ migration: message }, 'migration'),
  });
}
