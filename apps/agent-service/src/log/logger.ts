import pino, { type Logger } from 'pino';
import type { LogLevel } from '../../../../shared/protocol/src/common/index.ts';

const PINO_LEVEL: Record<LogLevel, pino.LevelWithSilent> = {
  Critical: 'fatal',
  Error: 'error',
  Warning: 'warn',
  Information: 'info',
  Debug: 'debug',
  Trace: 'trace',
};

/** Field names whose values never reach a log line. */
const REDACTED_PATHS = ['secret', 'code', 'token', '*.secret', '*.code', '*.token', '*.justification', 'params.code'];

export type { Logger };

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    { level: PINO_LEVEL[level], base: { svc: 'keeper-agent' }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** A service's own logger: its lines carry `service`; it follows the agent's level (pino children do), so agent.setLogLevel reaches it. */
export function childLogger(log: Logger, service: string): Logger {
  return log.child({ service });
}

export function setLogLevel(logger: Logger, level: LogLevel): void {
  logger.level = PINO_LEVEL[level];
}
