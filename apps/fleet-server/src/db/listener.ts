import pg from 'pg';
import type { Logger } from 'pino';

export interface Listener {
  stop(): Promise<void>;
}

/**
 * A dedicated LISTEN connection (a pooled one would silently lose its LISTEN when the pool drops it)
 * that reconnects with back-off after a database restart and then calls `onReconnect`, because
 * notifications sent while it was away are gone and the caller must catch up from the tables.
 * `onState` hears every change between listening and not (what relies on hearing NOTIFYs uses it).
 */
export function startListener(
  connectionString: string,
  channels: readonly string[],
  log: Logger,
  onNotify: (channel: string, payload: string) => void,
  onReconnect: () => void,
  onState: (listening: boolean) => void = () => undefined,
): Listener {
  let stopped = false;
  let client: pg.Client | null = null;
  let attempt = 0;
  let timer: NodeJS.Timeout | null = null;
  const schedule = () => {
    if (stopped) return;
    attempt++;
    timer = setTimeout(() => void connect(), Math.min(100 * 2 ** attempt, 5_000));
  };
  const connect = async () => {
    const c = new pg.Client({ connectionString, keepAlive: true });
    c.on('notification', (m) => onNotify(m.channel, m.payload ?? ''));
    c.on('error', (error) => {
      log.warn({ err: error }, 'listener connection error');
      if (client === c) onState(false);
    });
    c.on('end', () => {
      if (client === c) {
        client = null;
        onState(false);
      }
      schedule();
    });
    try {
      await c.connect();
      for (const channel of channels) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      if (stopped) {
        await c.end();
        return;
      }
      client = c;
      onState(true);
      if (attempt > 0) onReconnect();
      attempt = 0;
    } catch {
      c.removeAllListeners('end');
      await c.end().catch(() => undefined);
      schedule();
    }
  };
  void connect();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}
