import pg from 'pg';
import type { Logger } from 'pino';

export type Db = pg.Pool;
export type Tx = pg.PoolClient;

/** Errors that mean "the database is away, restarting or overloaded: retry", not "the query is wrong". */
const UNAVAILABLE = new Set([
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  '53300',
  '40001',
  '40P01',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'EPIPE',
  'ETIMEDOUT',
]);

export function isUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE.has(code)) return true;
  const message = (error as { message?: unknown }).message;
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message)
  );
}

/**
 * `asynchronousCommit`: COMMIT returns before the WAL is flushed. Only for writes whose loss in a
 * database crash is harmless (stream acknowledgements: a lost one means a resend the agent drops).
 */
export function createPool(connectionString: string, log: Logger, max = 20, { asynchronousCommit = false } = {}): Db {
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    ...(asynchronousCommit ? { options: '-c synchronous_commit=off' } : {}),
  });
  // Without this listener a database restart kills the process (an idle client's 'error' is unhandled).
  pool.on('error', (error) => log.warn({ err: error }, 'idle database connection closed'));
  return pool;
}

/** Runs `work` in one transaction; a stale pooled connection (database restarted) gets one retry. */
export async function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    let client: Tx;
    try {
      client = await db.connect();
    } catch (error) {
      if (attempt === 0 && isUnavailable(error)) continue;
      throw error;
    }
    // A checked-out client has no pool listener: a dropped connection mid-transaction would be an
    // unhandled 'error' event. The failing query rejects on its own, so the event is only noted.
    const onError = () => undefined;
    client.on('error', onError);
    let began = false;
    try {
      await client.query('BEGIN');
      began = true;
      const result = await work(client);
      await client.query('COMMIT');
      client.off('error', onError);
      client.release();
      return result;
    } catch (error) {
      if (began) await client.query('ROLLBACK').catch(() => undefined);
      client.off('error', onError);
      client.release(isUnavailable(error));
      // Only a failure before BEGIN took effect is safe to repeat blindly; later ones may have committed.
      if (attempt === 0 && !began && isUnavailable(error)) continue;
      throw error;
    }
  }
}
