import pg from 'pg';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@/keeper_fleet?host=/var/run/postgresql';

/** The URL from the environment (never a flag: it may hold a password). */
export function databaseUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.KEEPER_FLEET_DATABASE_URL ?? DEFAULT_DATABASE_URL;
}

/** Creates the URL's database when it is missing, so a first local start is one command. */
export async function ensureDatabase(url: string): Promise<void> {
  const DB_PART = /\/([^/?]+)(\?|$)/;
  const found = DB_PART.exec(url.replace(/^postgres(ql)?:\/\//, ''));
  if (!found) return;
  const name = decodeURIComponent(found[1]!);
  const admin = new pg.Client({ connectionString: url.replace(/(^postgres(?:ql)?:\/\/[^/]*)\/[^/?]+/, '$1/postgres') });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount)
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by another instance
      });
  } finally {
    await admin.end();
  }
}
