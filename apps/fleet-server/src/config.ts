import * as z from 'zod';

/** Server settings; durations in milliseconds (the seed's defaults). */
export const ServerConfig = z.object({
  databaseUrl: z.string().min(1),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8443),
  dataDir: z.string().min(1),
  caCertFile: z.string().optional(),
  caKeyFile: z.string().optional(),
  hostnames: z.array(z.string().min(1)).min(1).default(['localhost', '127.0.0.1', '::1']),
  instance: z
    .string()
    .min(1)
    .default(() => `fleet-${process.pid}`),
  certLifetimeMs: z
    .number()
    .int()
    .positive()
    .default(60 * 60_000),
  renewGraceMs: z
    .number()
    .int()
    .nonnegative()
    .default(30 * 86_400_000),
  approvalTtlMs: z
    .number()
    .int()
    .positive()
    .default(30 * 60_000),
  escalatedTtlMs: z
    .number()
    .int()
    .positive()
    .default(4 * 60 * 60_000),
  usableMs: z
    .number()
    .int()
    .positive()
    .default(24 * 60 * 60_000),
  sweepIntervalMs: z.number().int().positive().default(1_000),
  auditJsonl: z.string().optional(),
  auditSyslog: z.object({ host: z.string(), port: z.number().int(), protocol: z.enum(['udp', 'tcp']) }).optional(),
  bodyLimit: z
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  /** Per machine and instance; a 429 beyond (see services/rateLimit.ts). */
  filingsPerMinute: z.number().int().positive().default(120),
  auditBatchesPerMinute: z.number().int().positive().default(600),
  /** Database connections per instance (acknowledgements have two more of their own, see StreamHub). */
  poolSize: z.number().int().min(2).max(200).default(20),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type ServerConfig = z.infer<typeof ServerConfig>;
export type ServerConfigInput = z.input<typeof ServerConfig>;
