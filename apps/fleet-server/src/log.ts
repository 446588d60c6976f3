import pino, { type Logger } from 'pino';

/** Field names whose values never reach a log line (tokens, keys, certificate requests). */
const REDACTED_PATHS = ['token', '*.token', 'req.body', 'body.token', 'key', '*.key', 'csr', '*.csr', '*.justification'];

export type { Logger };

export function createLogger(level: pino.LevelWithSilent, instance: string): Logger {
  return pino(
    { level, base: { svc: 'keeper-fleet', instance }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    pino.destination({ fd: 2, sync: false }),
  );
}
