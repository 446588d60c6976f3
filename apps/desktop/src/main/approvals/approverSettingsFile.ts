import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as z from 'zod';
import { ApproverSettings } from '../../../../../shared/bridge/src/common/services/approverQueue.ts';

/** An approver who never chose gets a toast for each new request. */
export const DEFAULT_APPROVER_SETTINGS: ApproverSettings = { toasts: true };

const SettingsFile = z.object({ version: z.literal(1), settings: ApproverSettings });

/**
 * The approver's own settings (the toast per new request), in a small JSON file under the desktop's
 * user data dir, so per OS user and kept across restarts. A file that cannot be read is set aside
 * (never overwritten) and the defaults apply.
 */
export class ApproverSettingsFile {
  private readonly file: string;
  private readonly onProblem: (message: string) => void;

  constructor(file: string, onProblem: (message: string) => void = () => {}) {
    this.file = file;
    this.onProblem = onProblem;
  }

  read(): ApproverSettings {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return DEFAULT_APPROVER_SETTINGS;
    }
    try {
      return SettingsFile.parse(JSON.parse(text)).settings;
    } catch (error) {
      const aside = `${this.file}.unreadable`;
      renameSync(this.file, aside);
      this.onProblem(`approver settings file ${this.file} could not be read (${(error as Error).message}); kept as ${aside}`);
      return DEFAULT_APPROVER_SETTINGS;
    }
  }

  /** Writes all settings at once (a temporary file renamed over the old one, so a crash never leaves half a file). */
  write(settings: ApproverSettings): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ version: 1, settings: ApproverSettings.parse(settings) }, null, 2), { mode: 0o600 });
    renameSync(temp, this.file);
  }
}
