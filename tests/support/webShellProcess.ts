import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_DIR } from './agentProcess.ts';

export interface WebShellProcess {
  readonly child: ChildProcess;
  /** The KeeperAgent window's URL, with its token. */
  readonly agentWindowUrl: string;
  stop(): Promise<void>;
}

/** Runs `npm start`'s launcher as a user would, in web-shell mode, against an existing agent. */
export async function startWebShell(socket: string): Promise<WebShellProcess> {
  const child = spawn(
    process.execPath,
    [join(PROJECT_DIR, 'apps/desktop/src/launcher/start.ts'), '--socket', socket, '--no-agent', '--no-browser', '--web-shell'],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: PROJECT_DIR },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web shell printed no window URL within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Window keeper-agent: (http:\/\/127\.0\.0\.1:\d+\/keeper-agent\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`web shell exited with ${code}:\n${output}`)));
  });
  return {
    child,
    agentWindowUrl: url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Adds launch preferences to a window URL, before its token fragment. */
export function withQuery(url: string, query: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [key, value] of Object.entries(query)) parsed.searchParams.set(key, value);
  return parsed.toString();
}
