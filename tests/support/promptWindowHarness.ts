import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { ElevationRequest, ElevationStatus, type ElevationStatusResult, type ParamsInput, type ResultOf } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, PROJECT_DIR } from './agentProcess.ts';
import { launchChromium } from './browser.ts';
import { policyAgentSandbox, type PolicyAgentSetup } from './policyAgent.ts';
import { startWebShell, withQuery, type WebShellProcess } from './webShellProcess.ts';

/**
 * `expect.poll` with room for a loaded machine: windows render and the agent answers within ms
 * alone, but several browsers, agents and shells share two cores when the e2e files run together.
 */
export const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 10_000 });

export interface PromptWindowHarness {
  /** The agent's socket, for more clients (an approver). */
  readonly socket: string;
  /** The agent's data dir, for its administrator commands (`keeper-agent mfa issue`). */
  readonly dataDir: string;
  /** A CLI client of the agent: it asks for elevation, as keeper-elevate does. */
  readonly requester: AgentClient;
  request(params: ParamsInput<typeof ElevationRequest>): Promise<ResultOf<typeof ElevationRequest>>;
  /** Runs the real keeper-elevate CLI as this user; it blocks while the window asks, as sudo would. */
  elevate(args: readonly string[]): Promise<ElevateOutcome>;
  /** Waits until the request is decided, and returns its status. */
  finalState(requestId: string): Promise<ElevationStatusResult>;
  /**
   * Opens the `window` (the one under test unless told) the shell presents next (each prompt that
   * finds the window's kind with nothing open presents it anew), closing its page opened before.
   */
  openWindow(query?: Record<string, string>, window?: string): Promise<Page>;
  /** Runs `script` in every page opened from now on, before the page's own scripts. */
  addInitScript(script: () => void): Promise<void>;
  stop(): Promise<void>;
}

export interface ElevateOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The agent's policies (and config), the window under test and the browser's viewport. */
export type PromptWindowHarnessOptions = PolicyAgentSetup & {
  readonly window: string;
  readonly viewport: { readonly width: number; readonly height: number };
};

/**
 * A real agent on real policy files, the web shell in front of it (as `npm start` runs it), a CLI
 * client that asks for elevation, and Chromium to open the prompt windows the shell presents.
 */
export async function startPromptWindowHarness(options: PromptWindowHarnessOptions): Promise<PromptWindowHarness> {
  const sandbox = policyAgentSandbox();
  let shell: WebShellProcess | undefined;
  let browser: Browser | undefined;
  let requester: AgentClient | undefined;
  const stop = async () => {
    requester?.close();
    await browser?.close();
    await shell?.stop();
    await sandbox.dispose();
  };
  try {
    await sandbox.start(options);
    shell = await startWebShell(sandbox.socket);
    requester = await connectClient(sandbox.socket);
    browser = await launchChromium();
  } catch (error) {
    await stop();
    throw error;
  }
  const context: BrowserContext = await browser.newContext({ viewport: options.viewport, colorScheme: 'light' });
  const client = requester;
  const webShell = shell;
  const presented = new Map<string, number>();
  const opened = new Map<string, Page>();

  return {
    socket: sandbox.socket,
    dataDir: sandbox.dataDir,
    requester: client,
    request: (params) => client.request(ElevationRequest, params),
    elevate: (args) =>
      new Promise((resolve) => {
        const cli = spawn(process.execPath, [join(PROJECT_DIR, 'apps/run-as/bin/keeper-elevate.js'), '--socket', sandbox.socket, ...args], {
          cwd: '/',
          env: { PATH: '/usr/bin:/bin' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const out = { stdout: '', stderr: '' };
        cli.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
        cli.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
        cli.on('close', (code) => resolve({ code, ...out }));
      }),
    async finalState(requestId) {
      await eventually(async () => (await client.request(ElevationStatus, { requestId })).state).not.toBe('pending');
      return client.request(ElevationStatus, { requestId });
    },
    async openWindow(query = {}, window = options.window) {
      await opened.get(window)?.close();
      const nth = (presented.get(window) ?? 0) + 1;
      presented.set(window, nth);
      const page = await context.newPage();
      opened.set(window, page);
      await page.goto(withQuery(await webShell.windowUrl(window, nth), query));
      return page;
    },
    async addInitScript(script) {
      await context.addInitScript(script);
    },
    stop,
  };
}
