import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_DIR } from './agentProcess.ts';
import { systemUser } from './requesterProcess.ts';

export const ELEVATE = join(PROJECT_DIR, 'apps/run-as/bin/keeper-elevate.js');
export const RUNAS = join(PROJECT_DIR, 'apps/run-as/bin/keeper-runas.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs keeper-elevate or keeper-runas as a user would, optionally as another OS user and with stdin. */
export function runCli(
  bin: string,
  socket: string,
  args: string[],
  options: {
    user?: string;
    input?: string;
    env?: Record<string, string>;
    /** Presses Ctrl+C (SIGINT) once the output matches, as a user at the terminal would. */
    interruptWhen?: RegExp;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const identity = options.user ? systemUser(options.user) : {};
    const child = spawn(process.execPath, [bin, '--socket', socket, ...args], {
      ...identity,
      cwd: '/',
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    const watch = () => {
      if (!interrupted && options.interruptWhen?.test(`${stdout}${stderr}`)) interrupted = child.kill('SIGINT');
    };
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      watch();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      watch();
    });
    child.stdin.end(options.input ?? '');
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
