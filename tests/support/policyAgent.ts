import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeSandbox, startAgent, type AgentProcess } from './agentProcess.ts';
import { rootDesktopFixture, type DesktopSessionFixture } from './desktopSessions.ts';
import { writePolicyDir } from './policyFixtures.ts';

type PolicyFolder =
  | {
      /** Application collections the policies name: collection id → path pattern. */
      readonly apps: Readonly<Record<string, string>>;
      readonly policies: readonly Record<string, unknown>[];
    }
  | {
      /** Policy files (Keeper JSON) by file name, for what `writePolicyDir` does not write. */
      readonly files: Readonly<Record<string, unknown>>;
    };

export type PolicyAgentSetup = PolicyFolder & {
  /** The agent's config file, written to `configFile` and passed with --config. */
  readonly config?: Record<string, unknown>;
  /** Lets other OS users (`nobody`) reach the socket: the sandbox is private to root otherwise. */
  readonly openToOtherUsers?: boolean;
  /** More agent flags, e.g. --offline. */
  readonly extra?: readonly string[];
  /** logind's state for the agent instead of the sandbox's own `desktopSessions` (tests/support/desktopSessions.ts). */
  readonly logindDir?: string;
};

export interface PolicyAgentSandbox {
  readonly dir: string;
  readonly socket: string;
  readonly dataDir: string;
  readonly policiesDir: string;
  readonly configFile: string;
  /**
   * The desktop sessions the agent sees (its logind state): this test process is root's desktop;
   * `add` more, e.g. `{ user: 'keeper-alice' }` for the person processes the test spawns.
   */
  readonly desktopSessions: DesktopSessionFixture;
  /** The running agent (the last one started). */
  readonly agent: AgentProcess;
  /** Writes the policies (and the config) into the sandbox and starts the agent on them. */
  start(setup: PolicyAgentSetup): Promise<AgentProcess>;
  /** Starts the agent again on the same files, e.g. after `agent.kill()`; `extra` replaces the flags given to `start`. */
  restart(options?: { extra?: readonly string[] }): Promise<AgentProcess>;
  /** Stops the agent, if one was started, and removes the sandbox. */
  dispose(): Promise<void>;
}

/**
 * A sandbox for one test file's agent on a policies folder of its own. Made when the suite is
 * collected, so its paths can go into fixtures; the agent starts in `beforeAll`.
 */
export function policyAgentSandbox(): PolicyAgentSandbox {
  const sandbox = makeSandbox();
  const policiesDir = join(sandbox.dir, 'policies');
  const configFile = join(sandbox.dir, 'agent.json');
  let files: string[] = [];
  let extra: readonly string[] = [];
  const desktopSessions = rootDesktopFixture();
  let logindDir = desktopSessions.dir;
  let agent: AgentProcess | undefined;
  const launch = async () => (agent = await startAgent({ socket: sandbox.socket, dataDir: sandbox.dataDir, extra: [...files, ...extra], logindDir }));
  return {
    dir: sandbox.dir,
    socket: sandbox.socket,
    dataDir: sandbox.dataDir,
    policiesDir,
    configFile,
    desktopSessions,
    get agent() {
      if (!agent) throw new Error('the agent was not started');
      return agent;
    },
    start(setup) {
      if ('files' in setup) {
        mkdirSync(policiesDir);
        for (const [name, content] of Object.entries(setup.files)) writeFileSync(join(policiesDir, name), JSON.stringify(content));
      } else {
        writePolicyDir(policiesDir, setup.apps, setup.policies);
      }
      files = ['--policies', policiesDir];
      if (setup.config) {
        writeFileSync(configFile, JSON.stringify(setup.config));
        files.push('--config', configFile);
      }
      extra = setup.extra ?? [];
      logindDir = setup.logindDir ?? desktopSessions.dir;
      if (setup.openToOtherUsers) chmodSync(sandbox.dir, 0o755);
      return launch();
    },
    restart(options = {}) {
      extra = options.extra ?? extra;
      return launch();
    },
    async dispose() {
      await agent?.stop();
      sandbox.cleanup();
      desktopSessions.cleanup();
    },
  };
}
