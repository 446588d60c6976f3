import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface RecordingNotifySend {
  /** Put first on PATH: it holds the only `notify-send` the test's processes find. */
  readonly binDir: string;
  /** PATH with binDir first. */
  readonly path: string;
  /** Every call so far: notify-send's arguments. */
  calls(): string[][];
  cleanup(): void;
}

/**
 * The one seam for desktop notifications: this machine has no notification daemon, so a
 * `notify-send` that records its arguments stands in for it (and fails like a missing daemon when
 * asked to). Everything above it (node-notifier, the toaster, the approver queue) runs for real.
 */
export function recordingNotifySend(options: { fail?: boolean } = {}): RecordingNotifySend {
  const binDir = mkdtempSync(join(tmpdir(), 'kpt-notify-'));
  const log = join(binDir, 'calls.jsonl');
  const script = options.fail
    ? `process.stderr.write('GDBus.Error:org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.Notifications was not provided\\n'); process.exit(1);`
    : `require('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');`;
  writeFileSync(join(binDir, 'notify-send'), `#!${process.execPath}\n${script}\n`);
  chmodSync(join(binDir, 'notify-send'), 0o755);
  return {
    binDir,
    path: `${binDir}${delimiter}${process.env['PATH'] ?? ''}`,
    calls: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as string[])
        : [],
    cleanup: () => rmSync(binDir, { recursive: true, force: true }),
  };
}
