import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PG_BASE, urlFor } from './fleetHarness.ts';

/**
 * A Unix-socket relay in front of the machine's PostgreSQL, so a test can take "the database" away
 * and bring it back (what a server sees when PostgreSQL restarts: its connections end and new ones
 * find no socket, ENOENT) without touching the shared cluster other tests use.
 */
export interface PgProxy {
  /** A connection string for `database` through the relay. */
  urlFor(database: string): string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startPgProxy(): Promise<PgProxy> {
  const upstreamDir = /[?&]host=([^&]+)/.exec(PG_BASE)?.[1];
  if (!upstreamDir) throw new Error('the relay needs a Unix-socket PG_BASE (…?host=/var/run/postgresql)');
  const upstream = join(decodeURIComponent(upstreamDir), '.s.PGSQL.5432');
  const dir = mkdtempSync(join(tmpdir(), 'keeper-pg-proxy-'));
  const path = join(dir, '.s.PGSQL.5432');
  const open = new Set<net.Socket>();
  let server: net.Server | null = null;
  const up = async () => {
    if (server) return;
    const s = net.createServer((client) => {
      const db = net.connect(upstream);
      open.add(client).add(db);
      const end = () => {
        client.destroy();
        db.destroy();
        open.delete(client);
        open.delete(db);
      };
      client.on('error', end).on('close', end);
      db.on('error', end).on('close', end);
      client.pipe(db).pipe(client);
    });
    await new Promise<void>((ok) => s.listen(path, ok));
    server = s;
  };
  const down = async () => {
    const s = server;
    server = null;
    for (const socket of open) socket.destroy();
    open.clear();
    if (s) await new Promise<void>((ok) => s.close(() => ok()));
  };
  await up();
  return {
    urlFor: (database) => urlFor(database).replace(/([?&]host=)[^&]+/, `$1${encodeURIComponent(dir)}`),
    down,
    up,
    async close() {
      await down();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
