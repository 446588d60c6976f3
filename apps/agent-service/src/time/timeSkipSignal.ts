import type { Logger } from '../log/logger.ts';
import type { SkippableTime } from './skippableTime.ts';
import { readTimeSkip, timeSkipPath } from './timeSkipFile.ts';

/**
 * `--time-skip` (a test aid): on SIGUSR2 the agent reads DATA_DIR/time-skip and skips its clock
 * forward to that total. Only root or the agent's own user can signal it or write its 0700 data
 * folder, and either could already change the clock. Each outcome is logged at warn, which is
 * also the acknowledgement a test waits for. Returns the unsubscribe.
 */
export function listenForTimeSkips(time: SkippableTime, dataDir: string, log: Logger, agentUid = process.getuid?.() ?? 0): () => void {
  log.warn({ file: timeSkipPath(dataDir) }, 'time skipping is on (--time-skip, a test aid): SIGUSR2 skips the clock to the total in this file');
  const onSignal = () => {
    const read = readTimeSkip(dataDir, agentUid);
    if (!read.ok) {
      log.warn({ why: read.why }, 'time skip refused');
      return;
    }
    const ran = time.skipTo(read.totalMs);
    log.warn({ skippedMs: time.skippedMs, timersRun: ran }, 'time skipped');
  };
  process.on('SIGUSR2', onSignal);
  return () => process.off('SIGUSR2', onSignal);
}
