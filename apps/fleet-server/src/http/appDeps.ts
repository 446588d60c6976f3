import type { Logger } from 'pino';
import type { ServerConfig } from '../config.ts';
import type { Db } from '../db/pool.ts';
import type { FleetCa } from '../pki/ca.ts';
import type { MachineCache } from '../services/machineCache.ts';
import type { MachineRateLimiter } from '../services/rateLimit.ts';
import type { StreamHub } from '../services/streamHub.ts';

/** What the routes need from the server; its own module so routes and server.ts don't import each other. */
export interface AppDeps {
  config: ServerConfig;
  db: Db;
  ca: FleetCa;
  hub: StreamHub;
  machines: MachineCache;
  limits: MachineRateLimiter;
  log: Logger;
}
