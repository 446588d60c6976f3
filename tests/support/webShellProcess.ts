import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_DIR } from './agentProcess.ts';
import { systemUser } from './requesterProcess.ts';
import { WINDOW_IDS, type WindowId } from '../../shared/protocol/src/common/windows.ts';

export interface WebShellProcess {
  readonly child: ChildProcess;
  /** The KeeperAgent window's one-time launch link (opens one page, once). */
  readonly agentWindowUrl: string;
  /** Resolves with the URL of the `nth` (1-based) time the shell presented window `id`. */
  windowUrl(id: string, nth?: number, timeoutMs?: number): Promise<string>;
  /**
   * How many times the shell has presented window `id` so far. A case takes it before it makes the
   * shell present a window, then waits for `windowUrl(id, seen + 1)`: the count does not depend on
   * what earlier cases opened, so the case can run alone.
   */
  announced(id: string): number;
  /** With `prewarm`: the URL of the `nth` spare page of window `id` the shell made. */
  spareUrl(id: string, nth?: number, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
  /** Everything the launcher printed so far (stdout and stderr). */
  output(): string;
}

/**
 * Runs `npm start`'s launcher as a user would, in web-shell mode, against an existing agent. With
 * `prewarm`, the shell also keeps a spare page per prompt window for the test to load ahead;
 * `args` are further launcher flags (e.g. `--health-interval-ms`); with `user`, the desktop runs as
 * that real OS user (its own desktop session: its prompts, its roles). With `embeddedAgent`, the
 * launcher starts its own agent on `socket` when none answers there, as `npm start` does. With
 * `openBrowser`, the launcher opens its windows in Chromium itself (it needs `DISPLAY` in `env`).
 * The URLs it prints are one-time launch links (`#launch=<nonce>`): each opens its page once. With
 * `via`, a program that runs the launcher as its child (given the command line as its arguments)
 * becomes its parent, e.g. a process shaped like an AI agent (tests/support/agentShapedProcess.ts).
 */
export async function startWebShell(
  socket: string,
  env: NodeJS.ProcessEnv = process.env,
  options: { prewarm?: boolean; args?: readonly string[]; user?: string; embeddedAgent?: boolean; openBrowser?: boolean; via?: string } = {},
): Promise<WebShellProcess> {
  const child = spawn(
    options.via ?? process.execPath,
    [
      ...(options.via ? [process.execPath] : []),
      join(PROJECT_DIR, 'apps/desktop/src/launcher/start.ts'),
      ...['--socket', socket, ...(options.embeddedAgent ? [] : ['--no-agent']), ...(options.openBrowser ? [] : ['--no-browser']), '--web-shell'],
      ...(options.prewarm ? ['--prewarm'] : []),
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: PROJECT_DIR, env, ...(options.user ? systemUser(options.user) : {}) },
  );
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);

  /** The URLs of the lines `<label> <id>: <url>` of the shell's output so far. */
  const announcedUrls = (label: string, id: string) =>
    [...output.matchAll(new RegExp(`${label} ${id}: (http://127\\.0\\.0\\.1:\\d+/${id}/\\S+)`, 'g'))].map((m) => m[1]!);

  /** Waits for the `nth` line `<label> <id>: <url>` of the shell's output. */
  const announcedUrl =
    (label: string) =>
    (id: string, nth = 1, timeoutMs = 20_000) =>
      new Promise<string>((resolve, reject) => {
        const find = () => announcedUrls(label, id)[nth - 1];
        const check = () => {
          const url = find();
          if (!url) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(url);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`the web shell did not announce ${label} ${id} (#${nth}) within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });

  const windowUrl = announcedUrl('Window');
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`web shell exited with ${code}:\n${output}`))));
  // A launcher that never announced its window is not left running behind a failed test.
  const agentWindowUrl = await Promise.race([windowUrl('keeper-agent'), exited]).catch((error: unknown) => {
    child.kill('SIGTERM');
    throw error;
  });
  return {
    child,
    agentWindowUrl,
    windowUrl,
    announced: (id) => announcedUrls('Window', id).length,
    spareUrl: announcedUrl('Spare window'),
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Adds launch preferences to a window URL, before its launch fragment. */
export function withQuery(url: string, query: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [key, value] of Object.entries(query)) parsed.searchParams.set(key, value);
  return parsed.toString();
}

/**
 * A mark in the shell's output: `next(id)` resolves with the launch link of the first time after the
 * mark that the shell presents window `id`. A case that marks before it makes the shell present
 * windows does not depend on what earlier cases opened, so it can run alone.
 */
export function windowsFromNow(shell: WebShellProcess): (id: WindowId) => Promise<string> {
  const seen = new Map(WINDOW_IDS.map((id) => [id, shell.announced(id)]));
  return (id) => shell.windowUrl(id, (seen.get(id) ?? 0) + 1);
}
