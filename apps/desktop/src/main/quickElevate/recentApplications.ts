import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as z from 'zod';
import { QuickElevateChoice } from '../../../../../shared/bridge/src/common/services/quickElevate.ts';

const MAX_RECENT = 8;

/** The suite's per-user data folder outside Electron (Electron has app.getPath('userData')). */
export function defaultUserDataDir(env: NodeJS.ProcessEnv, home: string): string {
  return join(env['XDG_CONFIG_HOME'] || join(home, '.config'), 'keeper-desktop');
}
const RecentFile = z.object({ version: z.literal(1), recent: z.array(QuickElevateChoice).max(50) });

/**
 * The applications this user quick-elevated last, newest first, in a small JSON file under the
 * app's user data dir (so per user). A file that cannot be read is set aside, not overwritten.
 */
export class RecentApplications {
  private readonly file: string;
  private readonly onProblem: (message: string) => void;

  constructor(file: string, onProblem: (message: string) => void = () => {}) {
    this.file = file;
    this.onProblem = onProblem;
  }

  list(): QuickElevateChoice[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    try {
      return RecentFile.parse(JSON.parse(text)).recent.slice(0, MAX_RECENT);
    } catch (error) {
      const aside = `${this.file}.unreadable`;
      renameSync(this.file, aside);
      this.onProblem(`recent applications file ${this.file} could not be read (${(error as Error).message}); kept as ${aside}`);
      return [];
    }
  }

  remember(choice: QuickElevateChoice): void {
    const recent = [choice, ...this.list().filter((c) => c.commandLine !== choice.commandLine)].slice(0, MAX_RECENT);
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ version: 1, recent }, null, 2), { mode: 0o600 });
    renameSync(temp, this.file);
  }
}
