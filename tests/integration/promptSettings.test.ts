import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentStatusRequest, ElevationRequest, PromptRespond, PromptShowNotification, type PromptShow } from '../../shared/protocol/src/common/index.ts';
import type { AgentClient } from '../../shared/protocol/src/node/agentClient.ts';
import { connectClient, runAgent } from '../support/agentProcess.ts';
import { policyAgentSandbox } from '../support/policyAgent.ts';
import { appPolicy, settledState } from '../support/policyFixtures.ts';

const APPS = { 'col-env': '/usr/bin/env', 'col-true': '/usr/bin/true', 'col-id': '/usr/bin/id' };
const POLICIES = [
  appPolicy('pol-env', 'col-env', ['OPERATORAPPROVAL']),
  appPolicy('pol-true', 'col-true', ['JUSTIFY']),
  appPolicy('pol-id', 'col-id', ['MFA']),
];

/**
 * Starts an agent with `config`, and asks for /usr/bin/env (OPERATORAPPROVAL) from a connection that is no desktop.
 * Prompts time out by the agent's own timers; the cases that wait for one skip its clock (--time-skip).
 */
function settingsAgent(config: Record<string, unknown>) {
  const sandbox = policyAgentSandbox();
  const prompts: PromptShow[] = [];
  let cli: AgentClient;
  let desktop: AgentClient | null = null;
  return {
    sandbox,
    prompts,
    start: async () => {
      await sandbox.start({ apps: APPS, policies: POLICIES, config, extra: ['--time-skip'] });
      cli = await connectClient(sandbox.socket, 'cli');
    },
    connectDesktop: async () => {
      desktop = await connectClient(sandbox.socket, 'desktop');
      desktop.onNotification(PromptShowNotification, (p) => prompts.push(p));
      return desktop;
    },
    ask: async (executable: string) => settledState(cli, (await cli.request(ElevationRequest, { executable, arguments: [], cwd: '/' })).requestId),
    request: (executable: string) => cli.request(ElevationRequest, { executable, arguments: [], cwd: '/' }),
    /** Waits until a prompt of `kind` is shown, then skips the agent's clock by `seconds`. */
    shownThenSkip: async (kind: PromptShow['kind'], seconds: number) => {
      await expect.poll(() => prompts.filter((p) => p.kind === kind).length).toBe(1);
      await sandbox.agent.skipTime(seconds * 1000);
    },
    cli: () => cli,
    dispose: async () => {
      cli?.close();
      desktop?.close();
      await sandbox.dispose();
    },
  };
}

describe('operatorApproval.whenUndeliverable allow, onTimeout deny; prompt timeouts; justification bounds (real agent)', () => {
  const agent = settingsAgent({
    operatorApproval: { whenUndeliverable: 'allow', onTimeout: 'deny', timeoutSeconds: 120 },
    justification: { minLength: 5, maxLength: 20, timeoutSeconds: 90 },
    mfa: { sessionMinutes: 7, promptTimeoutSeconds: 150 },
    notify: { timeoutSeconds: 42 },
  });
  beforeAll(agent.start);
  afterAll(agent.dispose);

  it('allows End User Approval when no desktop can show it (the administrator chose allow)', async () => {
    expect(await agent.ask('/usr/bin/env')).toMatchObject({ state: 'allowed', passed: ['OPERATORAPPROVAL'] });
  });

  it('reports the settings in force in agent.status', async () => {
    expect((await agent.cli().request(AgentStatusRequest, undefined)).prompts).toEqual({
      justification: { minLength: 5, maxLength: 20, timeoutSeconds: 90 },
      notifyTimeoutSeconds: 42,
      operatorApproval: { timeoutSeconds: 120, onTimeout: 'deny', whenUndeliverable: 'allow' },
      mfa: { promptTimeoutSeconds: 150, sessionMinutes: 7, codeAttemptsPerPrompt: 1 },
      timeoutsFromJobs: [],
    });
  });

  it('denies End User Approval nobody answers within its configured timeout (onTimeout deny)', async () => {
    const desktop = await agent.connectDesktop();
    expect(desktop).toBeDefined();
    const { requestId } = await agent.request('/usr/bin/env');
    await agent.shownThenSkip('operatorApproval', 120);
    expect(await settledState(agent.cli(), requestId)).toMatchObject({ state: 'denied', reasonDetail: { code: 'operator-approval-expired' } });
    const shown = agent.prompts.find((p) => p.kind === 'operatorApproval')!;
    expect(Date.parse(shown.expiresAt) - Date.parse(shown.createdAt)).toBe(120_000);
  });

  it('sends the configured bounds with the justification prompt, refuses answers outside them, and expires it at its timeout', async () => {
    const { requestId } = await agent.request('/usr/bin/true');
    await expect.poll(() => agent.prompts.filter((p) => p.kind === 'justification').length, { timeout: 5_000 }).toBe(1);
    const prompt = agent.prompts.find((p) => p.kind === 'justification')!;
    expect(prompt.justification).toMatchObject({ minLength: 5, maxLength: 20 });
    expect(Date.parse(prompt.expiresAt) - Date.parse(prompt.createdAt)).toBe(90_000);
    const desktop = await connectClient(agent.sandbox.socket, 'desktop');
    try {
      const answer = (text: string) => desktop.request(PromptRespond, { promptId: prompt.promptId, response: { kind: 'justification', text } });
      expect(await answer('x'.repeat(21))).toMatchObject({ accepted: false, reason: 'too-long' });
      expect(await answer('abcd')).toMatchObject({ accepted: false, reason: 'too-short' });
    } finally {
      desktop.close();
    }
    await agent.sandbox.agent.skipTime(90_000);
    expect(await settledState(agent.cli(), requestId)).toMatchObject({ state: 'denied', reasonDetail: { code: 'justification-expired' } });
  });

  it('sends the configured MFA session length and prompt timeout with the MFA prompt', async () => {
    await agent.request('/usr/bin/id');
    await expect.poll(() => agent.prompts.filter((p) => p.kind === 'mfa').length, { timeout: 5_000 }).toBe(1);
    const prompt = agent.prompts.find((p) => p.kind === 'mfa')!;
    expect(prompt.mfa).toMatchObject({ sessionMinutes: 7 });
    expect(Date.parse(prompt.expiresAt) - Date.parse(prompt.createdAt)).toBe(150_000);
  });
});

describe('operatorApproval.onTimeout allow, whenUndeliverable by default deny (real agent)', () => {
  const agent = settingsAgent({ operatorApproval: { onTimeout: 'allow', timeoutSeconds: 120 } });
  beforeAll(agent.start);
  afterAll(agent.dispose);

  it('denies End User Approval when no desktop can show it', async () => {
    expect(await agent.ask('/usr/bin/env')).toMatchObject({ state: 'denied', reasonDetail: { code: 'operator-approval-undeliverable' } });
  });

  it('allows it when nobody answers in time, and reports the job-set timeouts as such', async () => {
    await agent.connectDesktop();
    const { requestId } = await agent.request('/usr/bin/env');
    await agent.shownThenSkip('operatorApproval', 120);
    expect(await settledState(agent.cli(), requestId)).toMatchObject({ state: 'allowed', passed: ['OPERATORAPPROVAL'] });
    expect((await agent.cli().request(AgentStatusRequest, undefined)).prompts).toMatchObject({
      operatorApproval: { onTimeout: 'allow', whenUndeliverable: 'deny' },
      timeoutsFromJobs: ['justification', 'acknowledge', 'mfa'],
    });
  });

  it('refuses bad prompt settings at start with exit code 2, naming the key', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ operatorApproval: { onTimeout: 'maybe' } }, 'operatorApproval.onTimeout'],
      [{ operatorApproval: { whenUndeliverable: true } }, 'operatorApproval.whenUndeliverable'],
      [{ justification: { minLength: 30, maxLength: 20 } }, 'justification.minLength'],
      [{ justification: { maxLength: 5000 } }, 'justification.maxLength'],
      [{ justification: { timeoutSeconds: 0 } }, 'justification.timeoutSeconds'],
      [{ notify: { timeoutSeconds: 'soon' } }, 'notify.timeoutSeconds'],
      [{ mfa: { sessionMinutes: 0 } }, 'mfa.sessionMinutes'],
      [{ mfa: { promptTimeoutSeconds: 1.5 } }, 'mfa.promptTimeoutSeconds'],
    ];
    for (const [config, key] of cases) {
      const bad = join(agent.sandbox.dir, 'bad.json');
      writeFileSync(bad, JSON.stringify(config));
      const { code, stderr } = await runAgent(['--config', bad, '--socket', join(agent.sandbox.dir, 'other.sock'), '--data-dir', agent.sandbox.dataDir]);
      expect({ key, code }).toEqual({ key, code: 2 });
      expect(stderr).toContain(key);
    }
  });
});
